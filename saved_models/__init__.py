"""Export and serving helpers; exported models live in `saved_models/<name>/`.

- `saved_models.export`: versioned SavedModel writes (temp folder, then
  rename), `export_versioned` and `export_model`.
- `saved_models.warmup`: TF Serving warm-up requests (`PredictionLog`
  TFRecords) written without `tensorflow_serving`.
- `saved_models.serving`: `models.config` for every exported model, REST
  request bodies and URLs (`python -m saved_models.serving`).
"""
