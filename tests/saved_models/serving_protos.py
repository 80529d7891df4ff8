"""TF Serving's protos rebuilt at test time, to check our hand-written bytes.

`tensorflow_serving.apis` is not installed, so the tests declare the few
messages they need (same names and field numbers as tensorflow/serving:
`apis/{prediction_log,predict,model}.proto`, `config/model_server_config.proto`)
in a private descriptor pool on top of TensorFlow's own `TensorProto`, and
parse with the real protobuf runtime. This is independent of the encoder in
`saved_models/export.py`.
"""

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _add_with_dependencies(pool, file_descriptor, added):
    for dependency in file_descriptor.dependencies:
        _add_with_dependencies(pool, dependency, added)
    if file_descriptor.name in added:
        return
    proto = descriptor_pb2.FileDescriptorProto()
    file_descriptor.CopyToProto(proto)
    pool.Add(proto)
    added.add(file_descriptor.name)


def _message(file_proto, name, fields):
    message = file_proto.message_type.add(name=name)
    for field_name, number, kind, type_name, label in fields:
        field = message.field.add(
            name=field_name, number=number, type=kind, label=label
        )
        if type_name:
            field.type_name = type_name
    return message


def serving_classes():
    """Returns message classes: PredictionLog, TensorProto, ModelServerConfig."""
    from tensorflow.core.framework import tensor_pb2

    pool = descriptor_pool.DescriptorPool()
    _add_with_dependencies(pool, tensor_pb2.DESCRIPTOR, set())

    opt, rep = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    msg, string = _F.TYPE_MESSAGE, _F.TYPE_STRING
    f = descriptor_pb2.FileDescriptorProto(
        name="test_serving_apis.proto",
        package="tensorflow.serving",
        syntax="proto3",
        dependency=[tensor_pb2.DESCRIPTOR.name],
    )
    _message(f, "ModelSpec", [
        ("name", 1, string, None, opt),
        ("signature_name", 3, string, None, opt),
    ])
    request = _message(f, "PredictRequest", [
        ("model_spec", 1, msg, ".tensorflow.serving.ModelSpec", opt),
        ("inputs", 2, msg,
         ".tensorflow.serving.PredictRequest.InputsEntry", rep),
        ("output_filter", 3, string, None, rep),
    ])
    entry = request.nested_type.add(name="InputsEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=string, label=opt)
    entry.field.add(
        name="value", number=2, type=msg, label=opt,
        type_name=".tensorflow.TensorProto",
    )
    _message(f, "PredictLog", [
        ("request", 1, msg, ".tensorflow.serving.PredictRequest", opt),
    ])
    _message(f, "PredictionLog", [
        ("predict_log", 6, msg, ".tensorflow.serving.PredictLog", opt),
    ])
    _message(f, "ModelConfig", [
        ("name", 1, string, None, opt),
        ("base_path", 2, string, None, opt),
        ("model_platform", 4, string, None, opt),
    ])
    _message(f, "ModelConfigList", [
        ("config", 1, msg, ".tensorflow.serving.ModelConfig", rep),
    ])
    _message(f, "ModelServerConfig", [
        ("model_config_list", 1, msg,
         ".tensorflow.serving.ModelConfigList", opt),
    ])
    pool.Add(f)

    def get(name):
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))

    return (
        get("tensorflow.serving.PredictionLog"),
        get("tensorflow.TensorProto"),
        get("tensorflow.serving.ModelServerConfig"),
    )
