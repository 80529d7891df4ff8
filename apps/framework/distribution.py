"""Data-parallel training over devices and workers, `--distribute`.

Every app's `train` builds, compiles and fits its model inside
`distributed(train_config)`:

```python
with distributed(train_config):
    model = build_model(model_config)
    model.compile(optimizer=make_optimizer(train_config), loss=...)
    initial_epoch = resume(model, train_config.run_dir)
    fit(model, train_config, training, validation, initial_epoch)
```

- `"none"`: the default device.
- `"mirrored"`: on TensorFlow a `tf.distribute.MirroredStrategy` over every
  local GPU, or over every logical CPU device when there is no GPU; on JAX
  `keras.distribution.DataParallel` over every local device.
- `"multi_worker"`: `tf.distribute.MultiWorkerMirroredStrategy`, whose
  cluster and own task come from the `TF_CONFIG` environment variable
  (TensorFlow only). Every worker runs the same `train` command on the
  same `--run_dir` (shared storage); only the chief writes checkpoints,
  logs and the export.

`batch_size` stays the global batch: each of N replicas computes the
gradient of `batch_size / N` rows and the replicas' gradients are summed,
so a distributed step equals the single-device step up to float rounding.
"""

import contextlib
import json
import os

import keras

TF_CONFIG = "TF_CONFIG"


def _tf_config() -> dict:
    """`TF_CONFIG` parsed, or `{}` when it is not set."""
    text = os.environ.get(TF_CONFIG, "")
    if not text:
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"Received a {TF_CONFIG} environment variable that is not JSON "
            f"({error}); set it as `{{\"cluster\": {{\"worker\": [\"host:port\""
            ", ...]}, \"task\": {\"type\": \"worker\", \"index\": 0}}`."
        ) from None
    return config if isinstance(config, dict) else {}


def is_chief() -> bool:
    """Whether this process writes the run's checkpoints, logs and export.

    True without `TF_CONFIG`, for its `chief` task, and for worker 0 of a
    cluster that has no `chief` task; false for every other task.

    Example:

    >>> os.environ["TF_CONFIG"] = json.dumps({
    ...     "cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]},
    ...     "task": {"type": "worker", "index": 1}})
    >>> is_chief()
    False
    """
    config = _tf_config()
    task = config.get("task")
    task = task if isinstance(task, dict) else {}
    kind = task.get("type", "chief")
    if kind == "chief":
        return True
    has_chief = bool(config.get("cluster", {}).get("chief"))
    return kind == "worker" and not has_chief and int(task.get("index", 0)) == 0


def _tensorflow_strategy(kind: str):
    """The `tf.distribute` strategy of `--distribute kind`."""
    import tensorflow as tf

    if kind == "multi_worker":
        if not os.environ.get(TF_CONFIG):
            raise ValueError(
                "Received `distribute='multi_worker'` without a TF_CONFIG "
                "environment variable; set it on every worker (see the "
                "README's Scaling section), or pass --distribute mirrored."
            )
        _tf_config()  # a clear error for a TF_CONFIG that is not JSON
        return tf.distribute.MultiWorkerMirroredStrategy()
    devices = tf.config.list_logical_devices("GPU") or (
        tf.config.list_logical_devices("CPU")
    )
    return tf.distribute.MirroredStrategy([device.name for device in devices])


_STRATEGIES = {}


@contextlib.contextmanager
def _keras_multi_worker_fixes():
    """Lets Keras 3's TensorFlow `fit` run under `MultiWorkerMirroredStrategy`.

    Keras 3.15 `fit` fails there (keras-team/keras#20585) in two places:
    its eager first build reduces a per-replica batch across workers
    (`_maybe_symbolic_build`; the build only needs one local replica's
    batch for its shapes), and it averages the per-replica scalar losses and
    metrics with `strategy.reduce("MEAN", value, axis=0)`, which a scalar
    has no axis for. Inside the block both go the way single-worker
    mirrored training goes: the build sees a local batch, and scalars are
    averaged over every replica of every worker (`axis=None`). The tests in
    `tests/apps/framework/distribution_test.py` fail if a Keras upgrade
    changes either.
    """
    from keras.src.backend.tensorflow import trainer

    def local_build(model, iterator=None, data_batch=None):
        if iterator is not None:
            for _, _, batches in iterator:
                data_batch = keras.tree.map_structure(
                    lambda value: strategy.experimental_local_results(
                        value)[0],
                    next(batches),
                )
                break
        with strategy.scope():
            model._symbolic_build(data_batch=data_batch)

    def reduce_over_workers(values, strategy, reduction):
        if reduction not in ("auto", "mean"):
            return reduce_per_replica(values, strategy, reduction)
        return keras.tree.map_structure(
            lambda value: strategy.reduce(
                "MEAN", value, axis=0 if value.shape.rank else None),
            values,
        )

    strategy = _STRATEGIES["multi_worker"]
    build = trainer.TensorFlowTrainer._maybe_symbolic_build
    reduce_per_replica = trainer.reduce_per_replica
    trainer.TensorFlowTrainer._maybe_symbolic_build = local_build
    trainer.reduce_per_replica = reduce_over_workers
    try:
        yield
    finally:
        trainer.TensorFlowTrainer._maybe_symbolic_build = build
        trainer.reduce_per_replica = reduce_per_replica


def tensorflow_strategy(kind: str):
    """The process's one `tf.distribute` strategy for `--distribute kind`.

    Made once: `MultiWorkerMirroredStrategy` must exist before the first
    collective op, and every model of the run shares it.

    Args:
        kind: str, `"mirrored"` or `"multi_worker"`.

    Returns:
        A `tf.distribute.Strategy`.
    """
    if kind not in _STRATEGIES:
        _STRATEGIES[kind] = _tensorflow_strategy(kind)
    return _STRATEGIES[kind]


def start_distribution(train_config) -> None:
    """Sets up `--distribute multi_worker` before anything else runs.

    TensorFlow configures the collective ops of a
    `MultiWorkerMirroredStrategy` only at program start-up, before its
    first op (say a tokenizer's), so `train` commands call this first.

    Args:
        train_config: a `BaseTrainConfig`.
    """
    if (train_config.distribute == "multi_worker"
            and keras.backend.backend() == "tensorflow"):
        tensorflow_strategy("multi_worker")


def _data_parallel(batch_size: int):
    """`keras.distribution.DataParallel` over every local JAX device."""
    devices = keras.distribution.list_devices()
    if batch_size % len(devices):
        raise ValueError(
            f"Received `batch_size={batch_size}`, which does not split "
            f"evenly over the {len(devices)} devices of `--distribute "
            f"mirrored` on JAX; pass a multiple of {len(devices)}."
        )
    return keras.distribution.DataParallel(devices=devices)


@contextlib.contextmanager
def distributed(train_config):
    """Builds, compiles and fits the models of the block data-parallel.

    Args:
        train_config: a `BaseTrainConfig`; its `distribute` picks the
            strategy (see the module docstring).

    Yields:
        int, the number of replicas each global batch is split over.

    Raises:
        ValueError: for `multi_worker` without `TF_CONFIG`, off TensorFlow,
            or for a batch that does not split over the JAX devices.

    Example:

    >>> with distributed(train_config) as replicas:
    ...     model = build_model(model_config)
    ...     model.compile(optimizer=make_optimizer(train_config), loss=loss)
    ...     fit(model, train_config, training)
    """
    kind = train_config.distribute
    backend = keras.backend.backend()
    if kind == "none":
        yield 1
    elif backend == "tensorflow":
        strategy = tensorflow_strategy(kind)
        replicas = strategy.num_replicas_in_sync
        print(f"Training {kind} on {replicas} replica(s): "
              f"{train_config.batch_size} rows a step in all.")
        fixes = (
            _keras_multi_worker_fixes() if kind == "multi_worker"
            else contextlib.nullcontext()
        )
        with strategy.scope(), fixes:
            yield replicas
    elif backend == "jax" and kind == "mirrored":
        previous = keras.distribution.distribution()
        parallel = _data_parallel(train_config.batch_size)
        replicas = len(parallel.device_mesh.devices.flat)
        print(f"Training mirrored on {replicas} JAX device(s): "
              f"{train_config.batch_size} rows a step in all.")
        keras.distribution.set_distribution(parallel)
        try:
            yield replicas
        finally:
            keras.distribution.set_distribution(previous)
    else:
        raise ValueError(
            f"Received `distribute={kind!r}` on the {backend} backend; "
            "multi_worker runs on KERAS_BACKEND=tensorflow, mirrored on "
            "tensorflow or jax."
        )
