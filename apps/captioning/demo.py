"""End-to-end demo: train on drawn shapes, export, caption through the SavedModel.

1. trains the captioner on procedural scenes (no data, no network; about
   two minutes on two CPU cores with the defaults) in `--run_dir`;
2. exports `saved_models/captioning/<next version>/` and writes
   `saved_models/models.config`;
3. draws fresh scenes the model never saw, writes them as PNG files under
   `--output_dir`, and sends their bytes (plus two bad requests: bytes that
   are not an image, and an empty string) to `serving_default` in a fresh
   Python that imports only `tensorflow`;
4. saves the attention map of the first scene under each generated word
   (`attention.png`) and prints the REST request TF Serving would take.

Example:

```
KERAS_BACKEND=tensorflow python -m apps.captioning.demo
```
"""

import argparse
import dataclasses
import json
import os
import time

import keras

from apps.captioning import data
from apps.captioning.export import export_model
from apps.captioning.generate import caption_images, plot_attention
from apps.captioning.model import ModelConfig
from apps.captioning.train import TrainConfig, train
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
# one JSON line of captions and errors.
_SERVE_SCRIPT = """
import json

import tensorflow as tf

served = tf.saved_model.load(sys.argv[1])
images = [open(name, "rb").read() if name.endswith(".png") else name.encode()
          for name in sys.argv[2:]]
answers = served.signatures["serving_default"](images=tf.constant(images))
print(json.dumps({key: [v.decode() for v in answers[key].numpy()]
                  for key in ("caption", "error")}))
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

    Returns:
        `(paths, images float (count, s, s, 3), true captions)`.
    """
    images, captions = data.shapes_batch(seed, (3,), count, image_size)
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        path = os.path.abspath(os.path.join(output_dir, f"scene_{i}.png"))
        keras.utils.save_img(path, image, scale=True)
        paths.append(path)
    return paths, images, captions


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
        `{"caption": [...], "error": [...]}` (scenes, then `BAD_REQUESTS`)
        and the line naming the repository modules it loaded.

    Raises:
        RuntimeError: off the TensorFlow backend, or if serving fails.
    """
    require_tensorflow_backend()
    started = time.perf_counter()
    model = train(model_config, dataclasses.replace(train_config,
                                                    export_dir=""), verbose=2)
    trained = time.perf_counter()
    vocabulary = data.shapes_vocabulary()
    version_dir = export_model(model, vocabulary, model_config,
                               train_config.max_words, model_dir, NUM_BEAMS)
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
    correct = print_answers(
        [os.path.basename(p) for p in paths] + bad, list(truths) + [""] * 2,
        json.loads(answer_line))
    print("\n".join(rest))
    print(f"{correct}/{len(paths)} fresh scenes captioned exactly; served in "
          f"{time.perf_counter() - exported:.0f} s.")

    captions, _, _, alignments = caption_images(
        model, vocabulary, images[:1], train_config.max_words, NUM_BEAMS)
    plot_path = os.path.join(output_dir, "attention.png")
    plot_attention(images[0], captions[0].split() + [data.END],
                   alignments[0], plot_path)
    print(f"Attention of each word over {paths[0]}: {plot_path}")

    with open(paths[0], "rb") as handle:
        body = predict_request_body([handle.read()])
    print("\nThe same request to TF Serving (see README):")
    print(f"  curl -d '{body[:60]}...' {predict_url('captioning')}")
    return result.stdout


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m apps.captioning.demo`."""
    parser = argparse.ArgumentParser(
        prog="python -m apps.captioning.demo",
        description="Train the captioner on drawn shapes, export it, and "
        "caption fresh scenes from the SavedModel in a fresh TensorFlow "
        "process.",
    )
    parser.add_argument("--run_dir", default="runs/captioning_demo",
                        help="training run folder; re-running resumes "
                        "(default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=4,
                        help="epochs of 100 steps (default: %(default)s)")
    parser.add_argument("--model_dir", default="saved_models/captioning",
                        help="versioned export folder (default: %(default)s)")
    parser.add_argument("--output_dir", default="runs/captioning_demo/out",
                        help="scene PNGs and attention.png "
                        "(default: %(default)s)")
    parser.add_argument("--scenes", type=int, default=6,
                        help="fresh scenes to caption (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="random seed (default: %(default)s)")
    return parser


def main(argv=None) -> None:
    """Parses the command line and runs the demo."""
    args = build_parser().parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    config = TrainConfig(run_dir=args.run_dir, epochs=args.epochs,
                         seed=args.seed)
    try:
        demo(ModelConfig(), config, args.model_dir, args.output_dir,
             args.scenes)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
