"""Recurrent Keras layers and the applications built on them."""

from setuptools import find_packages, setup

setup(
    name="rnn-suite",
    version="0.1.0",
    description=(
        "Keras 3 recurrent layers (fast LSTM/GRU, cell variants, attention, "
        "decoding) and applications exported as TensorFlow SavedModels."
    ),
    python_requires=">=3.10",
    packages=find_packages(exclude=["tests*", "benchmarks*"]),
    install_requires=[
        "keras>=3.10,<4",
        "numpy>=1.26",
    ],
    extras_require={
        # Training the apps and exporting SavedModels.
        "tf": [
            "tensorflow>=2.21,<2.22",
            "tensorflow-text>=2.21,<2.22",
            "tensorboard>=2.21,<2.22",
            # The gRPC client example and TF Serving's protos in the tests.
            "tensorflow-serving-api>=2.21,<2.22",
            "pandas>=2.2",
            # DataFrame.to_markdown for the benchmark and evaluate tables.
            "tabulate>=0.9",
            "tqdm>=4.66",
            "matplotlib>=3.8",
            "sacrebleu>=2.4",
            # Sentence BLEU as the DailyDialog literature computes it.
            "nltk>=3.9",
            # Hershey vector fonts: the handwriting app's embedded data.
            "hershey-fonts>=2.1",
            # The chatbot's embedded dialogues (YAML files).
            "chatterbot-corpus>=1.3",
            "pyyaml>=6.0",
        ],
        # The JAX backend on CPU (GPU users install jax[cuda12] instead).
        "jax": ["jax>=0.4.30"],
        "test": ["pytest>=8", "pytest-xdist>=3.5"],
        # Benchmark-only extras: the keras-hub transformer baseline of
        # benchmarks/language_model_quality.py.
        "benchmarks": ["keras-hub>=0.32"],
    },
)
