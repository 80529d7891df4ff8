"""TF Serving's `BatchingParameters` message, for parsing our batching file.

The tests parse `PredictionLog`, `PredictRequest` and `ModelServerConfig`
with the real `tensorflow_serving.apis` / `tensorflow_serving.config`
modules. `BatchingParameters` lives in
`tensorflow_serving/servables/tensorflow/session_bundle_config.proto`, which
the `tensorflow-serving-api` wheel does not ship. `batching_parameters_class`
returns the generated class when some install provides it; otherwise it
declares the message from that published proto (same package, names, field
numbers and `google.protobuf` wrapper types) in a private descriptor pool,
so the real protobuf text-format parser checks our file either way.
"""

import importlib

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory
from google.protobuf import wrappers_pb2

_GENERATED = "tensorflow_serving.servables.tensorflow.session_bundle_config_pb2"
_F = descriptor_pb2.FieldDescriptorProto

# The wrapper-typed fields as published: (name, number, message type).
_FIELDS = (
    ("max_batch_size", 1, ".google.protobuf.Int64Value"),
    ("batch_timeout_micros", 2, ".google.protobuf.Int64Value"),
    ("max_enqueued_batches", 3, ".google.protobuf.Int64Value"),
    ("num_batch_threads", 4, ".google.protobuf.Int64Value"),
    ("thread_pool_name", 5, ".google.protobuf.StringValue"),
)


def batching_parameters_class():
    """Returns the `tensorflow.serving.BatchingParameters` message class."""
    try:
        return importlib.import_module(_GENERATED).BatchingParameters
    except ImportError:
        pass
    pool = descriptor_pool.DescriptorPool()
    wrappers = descriptor_pb2.FileDescriptorProto()
    wrappers_pb2.DESCRIPTOR.CopyToProto(wrappers)
    pool.Add(wrappers)
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="session_bundle_config_for_tests.proto",
        package="tensorflow.serving",
        syntax="proto3",
        dependency=[wrappers_pb2.DESCRIPTOR.name],
    )
    message = file_proto.message_type.add(name="BatchingParameters")
    for name, number, type_name in _FIELDS:
        message.field.add(
            name=name, number=number, type=_F.TYPE_MESSAGE,
            label=_F.LABEL_OPTIONAL, type_name=type_name,
        )
    message.field.add(
        name="allowed_batch_sizes", number=6, type=_F.TYPE_INT64,
        label=_F.LABEL_REPEATED,
    )
    message.field.add(
        name="pad_variable_length_inputs", number=7, type=_F.TYPE_BOOL,
        label=_F.LABEL_OPTIONAL,
    )
    pool.Add(file_proto)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("tensorflow.serving.BatchingParameters")
    )
