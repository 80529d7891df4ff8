"""Export and serving helpers; exported models live in `saved_models/<name>/`.

- `saved_models.export`: versioned SavedModel writes (temp folder, then
  rename), `export_versioned` and `export_model`.
- `saved_models.warmup`: TF Serving warm-up requests (`PredictionLog`
  TFRecords).
- `saved_models.serving`: `models.config` and `batching_parameters.txt` for
  every exported model, REST request bodies and URLs
  (`python -m saved_models.serving`).
- `saved_models.grpc_client`: `PredictRequest`s for TF Serving's gRPC API
  (`python -m saved_models.grpc_client`).
- `saved_models.check`: a version checked the way TF Serving loads it
  (`python -m saved_models.check`), including `saved_models.cpp_loader`,
  which loads it with `tensorflow::LoadSavedModel` from C++.
- `saved_models.fresh_process`: runs a check in a TensorFlow-only process.
- `saved_models.request_checks`: the bounds every signature checks first
  (items per request, token ids sent back).
"""
