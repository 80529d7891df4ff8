"""Dataset loaders shared by the apps: local files, downloads, embedded defaults.

- `downloads`: local path first, then `keras.utils.get_file`, else an error
  naming the file and where to put it.
- `text`: `TextCorpus` and `load_corpus` for the language models
  (tinyshakespeare, PTB, Tang poetry, embedded Python docs and code).
- `ptb`, `tang_poetry`: readers of those two data sets.
- `vocabulary`: vocabularies with reserved `<pad>`/`<unk>` ids.
"""
