"""Dataset loaders shared by the apps: local files, downloads, embedded defaults.

- `files`: reading gz, zip, JSON and text files with one-line errors that
  name the file and the fix (`CorruptFileError`); atomic JSON writes.
- `downloads`: a given `data_dir` only, else a sha256-verified
  `keras.utils.get_file` download, else an error naming the file and
  where to put it.
- `tokenizers`: `Tokenizer` (Python) and `GraphTokenizer` (TensorFlow ops
  for exported models) at char, word and subword (WordPiece) level, with
  the same ids on both sides.
- `vocabulary`: vocabularies built from text (`build_tokenizer`) and the
  vocabulary files of a run (`save_tokenizer`, `load_tokenizer`).
- `text`: `TextCorpus` and `load_corpus` for the language models
  (tinyshakespeare, PTB, Tang poetry, embedded Python docs and code).
- `ptb`, `tang_poetry`: readers of those two data sets.
- `captions`, `shapes`: image-caption data (Flickr8k, COCO, procedural
  shapes).
- `dialogues`: (context -> reply) pairs of DailyDialog, Cornell
  Movie-Dialogs, chatterbot-corpus (embedded) and parallel text files.
"""
