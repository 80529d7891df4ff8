"""End-to-end demo: train on drawn shapes, export, caption through the SavedModel.

1. trains the captioner on procedural scenes (no data, no network; about
   three minutes on two CPU cores with the defaults) in `--run_dir`;
2. exports `saved_models/captioning/<next version>/` and writes
   `saved_models/models.config`;
3. draws fresh scenes the model never saw, writes them as PNG files under
   `--output_dir`, and sends their bytes (plus three bad requests: the first
   scene cut in half, bytes that are not an image, and an empty string) in
   one request to `serving_default` in a fresh Python that imports only
   `tensorflow`;
4. saves the attention map of the first scene under each generated word
   (`attention.png`) from the same server's `attend` signature, so the plot
   shows the served caption, and prints the REST request TF Serving would
   take.

Example:

```
KERAS_BACKEND=tensorflow python -m apps.captioning.demo
```
"""

import dataclasses
import json
import os
import time

import keras
import numpy as np

from apps.captioning import data
from apps.captioning.config import APP, TrainConfig
from apps.captioning.generate import plot_attention
from apps.captioning.model import ModelConfig
from apps.captioning.train import train
from apps.framework import BaseRunConfig
from apps.framework import cli_errors
from apps.framework import config_parser
from apps.framework import export_run
from apps.framework import parse_configs
from apps.framework import seed_everything
from apps.framework.flags import require_positive_integers
from datasets import shapes
from saved_models.export import require_tensorflow_backend
from saved_models.fresh_process import run_isolated
from saved_models.serving import (
    predict_request_body,
    predict_url,
    write_models_config,
)

BAD_REQUESTS = (b"this is not an image", b"")
NUM_BEAMS = 3  # beam width of the exported graph and of the attention plot

# Runs in a fresh interpreter that imports nothing but tensorflow; prints
# one JSON line: captions and errors from `serving_default`, and the first
# image's `attend` answer (its tokens and attention maps).
_SERVE_SCRIPT = """
import json

import tensorflow as tf

served = tf.saved_model.load(sys.argv[1])
images = [open(name, "rb").read() if name.endswith(".png") else name.encode()
          for name in sys.argv[2:]]
answers = served.signatures["serving_default"](images=tf.constant(images))
answer = {key: [v.decode() for v in answers[key].numpy()]
          for key in ("caption", "error")}
attended = served.signatures["attend"](images=tf.constant(images[:1]))
answer["attend_tokens"] = [t.decode() for t in attended["tokens"][0].numpy()]
answer["attention"] = attended["attention"][0].numpy().tolist()
print(json.dumps(answer))
"""


def print_answers(names, truths, answers) -> int:
    """Prints each request's served caption or error; returns # correct."""
    correct = 0
    for name, truth, caption, error in zip(
        names, truths, answers["caption"], answers["error"]
    ):
        if error:
            print(f"  {name!r:>24} -> error: {error}")
            continue
        right = caption in shapes.true_captions(truth)
        correct += right
        print(f"  {name:>24} -> {caption}   [{'right' if right else 'WRONG'}"
              f"; true: {truth}]")
    return correct


def write_scenes(output_dir: str, seed: int, count: int, image_size: int):
    """Draws `count` fresh scenes and writes them as PNG files.

    Also writes `truncated.png`, the first scene's first half, as a bad
    request.

    Returns:
        `(paths of the scenes, then truncated.png; images float (count, s,
        s, 3); true captions)`.
    """
    images, captions = data.shapes_batch(seed, (3,), count, image_size)
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        path = os.path.abspath(os.path.join(output_dir, f"scene_{i}.png"))
        keras.utils.save_img(path, image, scale=True)
        paths.append(path)
    with open(paths[0], "rb") as handle:
        encoded = handle.read()
    truncated = os.path.abspath(os.path.join(output_dir, "truncated.png"))
    with open(truncated, "wb") as handle:
        handle.write(encoded[: len(encoded) // 2])
    return paths + [truncated], images, captions


def plot_served_attention(image, answers, path) -> None:
    """Plots the server's `attend` answer for the first scene.

    Args:
        image: float `(size, size, 3)`, the first scene as drawn.
        answers: the serving process's JSON answer (`attend_tokens`,
            `attention` and `caption`).
        path: PNG file to write.

    Raises:
        RuntimeError: if `attend` decoded another caption than
            `serving_default` (the plot would show a different answer).
    """
    words = [word for word in answers["attend_tokens"] if word]
    caption = " ".join(word for word in words if word != "<end>")
    if caption != answers["caption"][0]:
        raise RuntimeError(
            f"`attend` decoded {caption!r} but `serving_default` answered "
            f"{answers['caption'][0]!r} for the same image; the export's "
            "two signatures must share one decoding."
        )
    maps = np.asarray(answers["attention"], "float32")
    plot_attention(image, words, maps.reshape(len(maps), -1), path)


def demo(model_config: ModelConfig, train_config: TrainConfig,
         model_dir: str, output_dir: str, scenes: int) -> str:
    """Trains, exports, serves fresh scenes; returns the served output.

    Args:
        model_config: the captioner to train.
        train_config: how to train (its `export_dir` is ignored).
        model_dir: str, the versioned export folder.
        output_dir: str, where the scene PNGs and `attention.png` go.
        scenes: int, fresh scenes to caption.

    Returns:
        str, what the serving process printed: a JSON line
        `{"caption": [...], "error": [...]}` (scenes, `truncated.png`, then
        `BAD_REQUESTS`) and the line naming the repository modules it
        loaded.

    Raises:
        RuntimeError: off the TensorFlow backend, or if serving fails.
    """
    require_tensorflow_backend()
    started = time.perf_counter()
    train(model_config, dataclasses.replace(train_config, export_dir=""),
          verbose=2)
    trained = time.perf_counter()
    version_dir = export_run(APP, train_config.run_dir, model_dir,
                             num_beams=NUM_BEAMS)
    config_path = write_models_config(os.path.dirname(model_dir) or ".")
    exported = time.perf_counter()
    print(f"\nTrained in {trained - started:.0f} s; exported {version_dir} "
          f"and {config_path} in {exported - trained:.0f} s.")

    paths, images, truths = write_scenes(
        output_dir, train_config.seed, scenes, model_config.image_size)
    bad = [b.decode() for b in BAD_REQUESTS]
    print("\nCaptions from a fresh process that imports only tensorflow:")
    result = run_isolated(
        _SERVE_SCRIPT, [os.path.abspath(version_dir), *paths, *bad])
    if result.returncode != 0:
        raise RuntimeError(
            f"Serving {version_dir} failed:\n{result.stdout}{result.stderr}"
        )
    answer_line, *rest = result.stdout.splitlines()
    answers = json.loads(answer_line)
    correct = print_answers(
        [os.path.basename(p) for p in paths] + bad,
        list(truths) + [""] * (1 + len(bad)), answers)
    print("\n".join(rest))
    print(f"{correct}/{scenes} fresh scenes captioned exactly; served in "
          f"{time.perf_counter() - exported:.0f} s.")

    plot_path = os.path.join(output_dir, "attention.png")
    plot_served_attention(images[0], answers, plot_path)
    print(f"Attention of each word of {answers['caption'][0]!r} over "
          f"{paths[0]}: {plot_path}")

    with open(paths[0], "rb") as handle:
        body = predict_request_body([handle.read()])
    print("\nThe same request to TF Serving (see README):")
    print(f"  curl -d '{body[:60]}...' {predict_url('captioning')}")
    return result.stdout


@dataclasses.dataclass(frozen=True)
class DemoConfig(BaseRunConfig):
    """What the demo trains and where it writes.

    Args:
        run_dir: str, training run folder; re-running resumes. Defaults to
            `"runs/captioning_demo"`.
        epochs: int, epochs of 100 steps. Defaults to `15`: 1,500 steps,
            about three minutes on two CPU cores, after which most fresh
            scenes are captioned exactly.
        model_dir: str, versioned export folder. Defaults to
            `"saved_models/captioning"`.
        output_dir: str, folder of the scene PNGs and `attention.png`.
            Defaults to `"runs/captioning_demo/out"`.
        scenes: int, fresh scenes to caption. Defaults to `6`.
    """

    run_dir: str = "runs/captioning_demo"
    epochs: int = 15
    model_dir: str = "saved_models/captioning"
    output_dir: str = "runs/captioning_demo/out"
    scenes: int = 6

    def __post_init__(self):
        super().__post_init__()
        require_positive_integers(self, ("epochs", "scenes"))


def build_parser():
    """The command line of `python -m apps.captioning.demo`."""
    return config_parser(
        APP.command("demo"),
        "Train the captioner on drawn shapes, export it, and caption fresh "
        "scenes from the SavedModel in a fresh TensorFlow process.",
        DemoConfig,
    )


def main(argv=None) -> None:
    """Parses the command line and runs the demo."""
    parser = build_parser()
    with cli_errors(parser.prog, "rerun the same command to resume"):
        (config,) = parse_configs(parser, argv, DemoConfig)
        seed_everything(config.seed)
        train_config = TrainConfig(run_dir=config.run_dir,
                                   epochs=config.epochs, seed=config.seed)
        demo(ModelConfig(), train_config, config.model_dir,
             config.output_dir, config.scenes)


if __name__ == "__main__":
    main()
