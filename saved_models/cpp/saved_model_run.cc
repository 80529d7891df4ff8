// saved_model_run: loads a SavedModel version the way TensorFlow Serving does
// (`tensorflow::LoadSavedModel`, tag "serve", a DirectSession) and answers
// requests to its signatures, printing every output tensor as JSON.
//
// Usage:
//
//   saved_model_run [--op_library LIB.so]... [--signature NAME] \
//       VERSION_DIR [name=value ...]
//
// With `name=value` arguments the request is one signature call whose inputs
// are string tensors of shape [batch]: each `name=value` appends `value` to
// input `name`. Without them the requests are read as JSON from stdin: one
// request object, or a list of them, each
//
//   {"signature": "serving_default",
//    "inputs": {"x": {"dtype": "string", "shape": [2], "b64": ["...", ...]},
//               "y": {"dtype": "float32", "values": [[1, 2], [3, 4]]}}}
//
// (`b64` holds base64 bytes of string elements; `values` nested lists of
// numbers, or of strings for a string tensor; `shape` defaults to the nesting
// of `values`). The answer on stdout is, per request,
//
//   {"signature": ..., "run_ms": ..., "outputs": {name: {"dtype": ...,
//    "shape": [...], "values": [flat row-major values]}}}
//
// string outputs carry `b64` (exact bytes) instead of `values`. One request
// object answers with one object, a list with a list, wrapped as
// {"load_ms": ..., "answers": ...}. Errors go to stderr as one line
// "saved_model_run: error: ..." with exit code 1 (2 for a bad command line).
//
// `--op_library` loads a custom-op library (the tensorflow-text `_*.so` files)
// with `TF_LoadLibrary` before the model, as TF Serving links those ops in.
//
// Build (what `saved_models/cpp_loader.py` runs, caching the result):
//
//   g++ -O1 $(tf.sysconfig.get_compile_flags()) saved_model_run.cc \
//       -o saved_model_run -L$TF -Wl,--no-as-needed \
//       -l:libtensorflow_cc.so.2 -l:libtensorflow_framework.so.2 \
//       -Wl,-rpath,$TF
//
// with $TF the tensorflow package folder. `--no-as-needed` matters:
// `LoadSavedModel` lives in libtensorflow_framework, while the DirectSession
// factory registers itself from a static initializer of libtensorflow_cc, so
// a program the linker dropped libtensorflow_cc from finds "No session
// factory registered".

#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tensorflow/c/c_api.h"
#include "tensorflow/cc/saved_model/loader.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/framework/types.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"
#include "tensorflow/core/public/session.h"

namespace {

// ---------------------------------------------------------------- errors

struct Failure {
  std::string message;
  int code;
};

[[noreturn]] void Fail(const std::string& message, int code = 1) {
  throw Failure{message, code};
}

// ---------------------------------------------------------------- JSON

// A parsed JSON value (enough for requests: no duplicate-key handling).
struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool boolean = false;
  double number = 0;
  std::string text;  // kNumber keeps its source text, for exact integers.
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;

  const Json* Find(const std::string& key) const {
    for (const auto& field : fields) {
      if (field.first == key) return &field.second;
    }
    return nullptr;
  }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& source) : s_(source) {}

  Json ParseDocument() {
    Json value = ParseValue();
    SkipSpace();
    if (pos_ != s_.size()) Error("trailing characters");
    return value;
  }

 private:
  [[noreturn]] void Error(const std::string& what) {
    Fail("bad JSON request on stdin: " + what + " at offset " +
         std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void Expect(char c) {
    if (!Consume(c)) Error(std::string("expected '") + c + "'");
  }

  Json ParseValue() {
    SkipSpace();
    if (pos_ >= s_.size()) Error("unexpected end");
    char c = s_[pos_];
    Json value;
    if (c == '{') {
      value.kind = Json::kObject;
      ++pos_;
      if (Consume('}')) return value;
      do {
        SkipSpace();
        std::string key = ParseString();
        Expect(':');
        value.fields.emplace_back(key, ParseValue());
      } while (Consume(','));
      Expect('}');
    } else if (c == '[') {
      value.kind = Json::kArray;
      ++pos_;
      if (Consume(']')) return value;
      do {
        value.items.push_back(ParseValue());
      } while (Consume(','));
      Expect(']');
    } else if (c == '"') {
      value.kind = Json::kString;
      value.text = ParseString();
    } else if (s_.compare(pos_, 4, "true") == 0) {
      value.kind = Json::kBool;
      value.boolean = true;
      pos_ += 4;
    } else if (s_.compare(pos_, 5, "false") == 0) {
      value.kind = Json::kBool;
      pos_ += 5;
    } else if (s_.compare(pos_, 4, "null") == 0) {
      pos_ += 4;
    } else {
      value.kind = Json::kNumber;
      size_t start = pos_;
      while (pos_ < s_.size() && std::string("+-.eE0123456789").find(s_[pos_]) !=
                                     std::string::npos)
        ++pos_;
      value.text = s_.substr(start, pos_ - start);
      char* end = nullptr;
      value.number = std::strtod(value.text.c_str(), &end);
      if (value.text.empty() || *end != '\0') Error("bad number");
    }
    return value;
  }

  void AppendUtf8(unsigned code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  unsigned ParseHex4() {
    if (pos_ + 4 > s_.size()) Error("short \\u escape");
    unsigned code = std::stoul(s_.substr(pos_, 4), nullptr, 16);
    pos_ += 4;
    return code;
  }

  std::string ParseString() {
    if (pos_ >= s_.size() || s_[pos_] != '"') Error("expected a string");
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) Error("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'u': {
          unsigned code = ParseHex4();
          if (code >= 0xD800 && code < 0xDC00 && s_.compare(pos_, 2, "\\u") == 0) {
            pos_ += 2;
            code = 0x10000 + ((code - 0xD800) << 10) + (ParseHex4() - 0xDC00);
          }
          AppendUtf8(code, &out);
          break;
        }
        default: out.push_back(e);  // \" \\ \/
      }
    }
    if (pos_ >= s_.size()) Error("unterminated string");
    ++pos_;
    return out;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
      out += buffer;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// ---------------------------------------------------------------- base64

const char kBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(const std::string& bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64[(n >> shift) & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string Base64Decode(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const char* at = std::strchr(kBase64, c);
    if (c == '\0' || at == nullptr) Fail("bad base64 in request: " + JsonQuote(text));
    buffer = (buffer << 6) | static_cast<unsigned>(at - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

// ---------------------------------------------------------------- requests

struct Request {
  std::string signature;
  std::vector<std::pair<std::string, tensorflow::Tensor>> inputs;
};

// Flattens nested JSON arrays into `leaves`, recording the shape.
void Flatten(const Json& value, size_t depth, std::vector<int64_t>* shape,
             std::vector<const Json*>* leaves) {
  if (value.kind != Json::kArray) {
    if (depth != shape->size()) Fail("ragged `values` in request");
    leaves->push_back(&value);
    return;
  }
  if (depth == shape->size()) {
    if (!leaves->empty()) Fail("ragged `values` in request");
    shape->push_back(static_cast<int64_t>(value.items.size()));
  } else if (depth > shape->size() ||
             (*shape)[depth] != static_cast<int64_t>(value.items.size())) {
    Fail("ragged `values` in request");
  }
  for (const Json& item : value.items) Flatten(item, depth + 1, shape, leaves);
}

template <typename T>
void FillNumbers(const std::vector<const Json*>& leaves, tensorflow::Tensor* t) {
  auto flat = t->flat<T>();
  for (size_t i = 0; i < leaves.size(); ++i) {
    const Json& leaf = *leaves[i];
    if (leaf.kind == Json::kBool) {
      flat(i) = static_cast<T>(leaf.boolean);
    } else if (leaf.kind == Json::kNumber) {
      flat(i) = static_cast<T>(leaf.number);
    } else {
      Fail("a numeric input holds a non-number");
    }
  }
}

template <typename T>
void FillIntegers(const std::vector<const Json*>& leaves, tensorflow::Tensor* t) {
  auto flat = t->flat<T>();
  for (size_t i = 0; i < leaves.size(); ++i) {
    const Json& leaf = *leaves[i];
    if (leaf.kind != Json::kNumber && leaf.kind != Json::kBool)
      Fail("an integer input holds a non-number");
    flat(i) = leaf.kind == Json::kBool ? static_cast<T>(leaf.boolean)
                                       : static_cast<T>(std::stoll(leaf.text));
  }
}

tensorflow::DataType ParseDtype(const std::string& name) {
  static const std::map<std::string, tensorflow::DataType> kTypes = {
      {"string", tensorflow::DT_STRING}, {"float32", tensorflow::DT_FLOAT},
      {"float64", tensorflow::DT_DOUBLE}, {"int32", tensorflow::DT_INT32},
      {"int64", tensorflow::DT_INT64},   {"int8", tensorflow::DT_INT8},
      {"int16", tensorflow::DT_INT16},   {"uint8", tensorflow::DT_UINT8},
      {"bool", tensorflow::DT_BOOL}};
  auto found = kTypes.find(name);
  if (found == kTypes.end())
    Fail("unsupported input dtype " + JsonQuote(name) +
         "; expected string, float32, float64, int8/16/32/64, uint8 or bool");
  return found->second;
}

tensorflow::Tensor TensorFromJson(const std::string& name, const Json& spec) {
  if (spec.kind != Json::kObject) Fail("input " + JsonQuote(name) + " is not an object");
  const Json* dtype_field = spec.Find("dtype");
  tensorflow::DataType dtype =
      ParseDtype(dtype_field ? dtype_field->text : std::string("string"));
  const Json* b64 = spec.Find("b64");
  const Json* values = b64 ? b64 : spec.Find("values");
  if (values == nullptr)
    Fail("input " + JsonQuote(name) + " has neither `values` nor `b64`");
  std::vector<int64_t> shape;
  std::vector<const Json*> leaves;
  Flatten(*values, 0, &shape, &leaves);
  if (const Json* given = spec.Find("shape")) {
    shape.clear();
    for (const Json& dim : given->items) shape.push_back(std::stoll(dim.text));
  }
  tensorflow::TensorShape tensor_shape(shape);
  if (tensor_shape.num_elements() != static_cast<int64_t>(leaves.size()))
    Fail("input " + JsonQuote(name) + ": `shape` does not match its values");
  tensorflow::Tensor tensor(dtype, tensor_shape);
  switch (dtype) {
    case tensorflow::DT_STRING: {
      auto flat = tensor.flat<tensorflow::tstring>();
      for (size_t i = 0; i < leaves.size(); ++i) {
        if (leaves[i]->kind != Json::kString)
          Fail("string input " + JsonQuote(name) + " holds a non-string");
        flat(i) = b64 ? Base64Decode(leaves[i]->text) : leaves[i]->text;
      }
      break;
    }
    case tensorflow::DT_FLOAT: FillNumbers<float>(leaves, &tensor); break;
    case tensorflow::DT_DOUBLE: FillNumbers<double>(leaves, &tensor); break;
    case tensorflow::DT_BOOL: FillNumbers<bool>(leaves, &tensor); break;
    case tensorflow::DT_INT32: FillIntegers<int32_t>(leaves, &tensor); break;
    case tensorflow::DT_INT64: FillIntegers<int64_t>(leaves, &tensor); break;
    case tensorflow::DT_INT8: FillIntegers<int8_t>(leaves, &tensor); break;
    case tensorflow::DT_INT16: FillIntegers<int16_t>(leaves, &tensor); break;
    case tensorflow::DT_UINT8: FillIntegers<uint8_t>(leaves, &tensor); break;
    default: Fail("unsupported input dtype");
  }
  return tensor;
}

Request RequestFromJson(const Json& value, const std::string& default_signature) {
  if (value.kind != Json::kObject) Fail("each request must be a JSON object");
  Request request;
  const Json* signature = value.Find("signature");
  request.signature = signature ? signature->text : default_signature;
  const Json* inputs = value.Find("inputs");
  if (inputs == nullptr || inputs->kind != Json::kObject)
    Fail("a request lacks its `inputs` object");
  for (const auto& field : inputs->fields)
    request.inputs.emplace_back(field.first, TensorFromJson(field.first, field.second));
  return request;
}

// `name=value` arguments: string tensors of shape [count], in order.
Request RequestFromArgs(const std::vector<std::string>& pairs,
                        const std::string& signature) {
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;
  for (const std::string& pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      Fail("expected an input as name=value, received " + JsonQuote(pair), 2);
    std::string name = pair.substr(0, eq);
    auto column = columns.begin();
    while (column != columns.end() && column->first != name) ++column;
    if (column == columns.end()) {
      columns.emplace_back(name, std::vector<std::string>());
      column = std::prev(columns.end());
    }
    column->second.push_back(pair.substr(eq + 1));
  }
  Request request{signature, {}};
  for (const auto& column : columns) {
    tensorflow::Tensor tensor(tensorflow::DT_STRING,
                              tensorflow::TensorShape({static_cast<int64_t>(
                                  column.second.size())}));
    for (size_t i = 0; i < column.second.size(); ++i)
      tensor.flat<tensorflow::tstring>()(i) = column.second[i];
    request.inputs.emplace_back(column.first, tensor);
  }
  return request;
}

// ---------------------------------------------------------------- outputs

std::string FormatFloat(double value, int digits) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
  return buffer;
}

template <typename T>
void AppendIntegers(const tensorflow::Tensor& tensor, std::ostream& out) {
  auto flat = tensor.flat<T>();
  for (int64_t i = 0; i < flat.size(); ++i)
    out << (i ? ", " : "") << static_cast<long long>(flat(i));
}

template <typename T>
void AppendFloats(const tensorflow::Tensor& tensor, int digits, std::ostream& out) {
  auto flat = tensor.flat<T>();
  for (int64_t i = 0; i < flat.size(); ++i)
    out << (i ? ", " : "") << FormatFloat(static_cast<double>(flat(i)), digits);
}

std::string TensorJson(const tensorflow::Tensor& tensor) {
  std::ostringstream out;
  std::string dtype = tensorflow::DataTypeString(tensor.dtype());
  static const std::map<std::string, std::string> kNames = {
      {"float", "float32"}, {"double", "float64"}, {"half", "float16"}};
  if (kNames.count(dtype)) dtype = kNames.at(dtype);
  out << "{\"dtype\": " << JsonQuote(dtype) << ", \"shape\": [";
  for (int d = 0; d < tensor.dims(); ++d) out << (d ? ", " : "") << tensor.dim_size(d);
  out << "], " << (tensor.dtype() == tensorflow::DT_STRING ? "\"b64\"" : "\"values\"")
      << ": [";
  switch (tensor.dtype()) {
    case tensorflow::DT_STRING: {
      auto flat = tensor.flat<tensorflow::tstring>();
      for (int64_t i = 0; i < flat.size(); ++i)
        out << (i ? ", " : "") << '"'
            << Base64Encode(std::string(flat(i).data(), flat(i).size())) << '"';
      break;
    }
    case tensorflow::DT_FLOAT: AppendFloats<float>(tensor, 9, out); break;
    case tensorflow::DT_DOUBLE: AppendFloats<double>(tensor, 17, out); break;
    case tensorflow::DT_HALF: AppendFloats<Eigen::half>(tensor, 5, out); break;
    case tensorflow::DT_BFLOAT16: AppendFloats<Eigen::bfloat16>(tensor, 4, out); break;
    case tensorflow::DT_INT32: AppendIntegers<int32_t>(tensor, out); break;
    case tensorflow::DT_INT64: AppendIntegers<int64_t>(tensor, out); break;
    case tensorflow::DT_INT16: AppendIntegers<int16_t>(tensor, out); break;
    case tensorflow::DT_INT8: AppendIntegers<int8_t>(tensor, out); break;
    case tensorflow::DT_UINT8: AppendIntegers<uint8_t>(tensor, out); break;
    case tensorflow::DT_BOOL: {
      auto flat = tensor.flat<bool>();
      for (int64_t i = 0; i < flat.size(); ++i)
        out << (i ? ", " : "") << (flat(i) ? "true" : "false");
      break;
    }
    default: Fail("output of unsupported dtype " + dtype);
  }
  out << "]}";
  return out.str();
}

// ---------------------------------------------------------------- model

void LoadOpLibrary(const std::string& path) {
  TF_Status* status = TF_NewStatus();
  TF_Library* library = TF_LoadLibrary(path.c_str(), status);
  std::string message = TF_Message(status);
  bool ok = TF_GetCode(status) == TF_OK;
  TF_DeleteStatus(status);
  if (!ok) Fail("cannot load op library " + path + ": " + message);
  (void)library;  // kept loaded for the life of the process
}

std::string RunRequest(tensorflow::SavedModelBundle& bundle, const Request& request) {
  const auto& signatures = bundle.meta_graph_def.signature_def();
  auto found = signatures.find(request.signature);
  if (found == signatures.end()) {
    std::string names;
    for (const auto& entry : signatures) {
      if (entry.first.rfind("__", 0) == 0) continue;  // __saved_model_init_op
      names += (names.empty() ? "" : ", ") + entry.first;
    }
    Fail("no signature " + JsonQuote(request.signature) + "; the model has: " + names);
  }
  const tensorflow::SignatureDef& signature = found->second;
  std::vector<std::pair<std::string, tensorflow::Tensor>> feeds;
  for (const auto& input : request.inputs) {
    auto spec = signature.inputs().find(input.first);
    if (spec == signature.inputs().end())
      Fail("signature " + request.signature + " has no input " + JsonQuote(input.first));
    feeds.emplace_back(spec->second.name(), input.second);
  }
  if (feeds.size() != static_cast<size_t>(signature.inputs().size()))
    Fail("signature " + request.signature + " needs " +
         std::to_string(signature.inputs().size()) + " inputs, received " +
         std::to_string(feeds.size()));
  std::map<std::string, std::string> sorted_outputs;  // key -> tensor name
  for (const auto& output : signature.outputs())
    sorted_outputs[output.first] = output.second.name();
  std::vector<std::string> fetches;
  for (const auto& output : sorted_outputs) fetches.push_back(output.second);
  std::vector<tensorflow::Tensor> results;
  auto start = std::chrono::steady_clock::now();
  tensorflow::Status status = bundle.session->Run(feeds, fetches, {}, &results);
  double run_ms = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - start).count();
  if (!status.ok())
    Fail("running " + request.signature + " failed: " + std::string(status.message()));
  std::ostringstream out;
  out << "{\"signature\": " << JsonQuote(request.signature)
      << ", \"run_ms\": " << FormatFloat(run_ms, 6) << ", \"outputs\": {";
  size_t i = 0;
  for (const auto& output : sorted_outputs) {
    out << (i ? ", " : "") << JsonQuote(output.first) << ": " << TensorJson(results[i]);
    ++i;
  }
  out << "}}";
  return out.str();
}

struct Options {
  std::vector<std::string> op_libraries;
  std::string signature = "serving_default";
  std::string version_dir;
  std::vector<std::string> pairs;
};

const char kUsage[] =
    "usage: saved_model_run [--op_library LIB.so]... [--signature NAME] "
    "VERSION_DIR [name=value ...]\n"
    "  Without name=value inputs, reads a JSON request (or a list) on stdin.";

Options ParseArgs(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage << std::endl;
      std::exit(0);
    } else if (arg == "--op_library" || arg == "--signature") {
      if (i + 1 >= argc) Fail(arg + " needs a value\n" + kUsage, 2);
      (arg == "--op_library" ? options.op_libraries.push_back(argv[++i])
                             : void(options.signature = argv[++i]));
    } else if (arg.rfind("--", 0) == 0) {
      Fail("unknown flag " + arg + "\n" + kUsage, 2);
    } else if (options.version_dir.empty()) {
      options.version_dir = arg;
    } else {
      options.pairs.push_back(arg);
    }
  }
  if (options.version_dir.empty()) Fail(std::string("no VERSION_DIR given\n") + kUsage, 2);
  return options;
}

int Main(int argc, char** argv) {
  Options options = ParseArgs(argc, argv);
  for (const std::string& library : options.op_libraries) LoadOpLibrary(library);
  // Parse the request before loading, so a bad request fails fast.
  std::vector<Request> requests;
  bool as_list = false;
  if (!options.pairs.empty()) {
    requests.push_back(RequestFromArgs(options.pairs, options.signature));
  } else {
    std::string source((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
    Json document = JsonParser(source).ParseDocument();
    as_list = document.kind == Json::kArray;
    if (as_list) {
      for (const Json& item : document.items)
        requests.push_back(RequestFromJson(item, options.signature));
    } else {
      requests.push_back(RequestFromJson(document, options.signature));
    }
  }
  tensorflow::SavedModelBundle bundle;
  auto start = std::chrono::steady_clock::now();
  tensorflow::Status status = tensorflow::LoadSavedModel(
      tensorflow::SessionOptions(), tensorflow::RunOptions(), options.version_dir,
      {"serve"}, &bundle);
  double load_ms = std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start).count();
  if (!status.ok())
    Fail("cannot load the SavedModel at " + options.version_dir + ": " +
         std::string(status.message()));
  std::vector<std::string> answers;
  for (const Request& request : requests) answers.push_back(RunRequest(bundle, request));
  std::cout << "{\"load_ms\": " << FormatFloat(load_ms, 6) << ", \"answers\": ";
  if (as_list) std::cout << "[";
  for (size_t i = 0; i < answers.size(); ++i) std::cout << (i ? ", " : "") << answers[i];
  if (as_list) std::cout << "]";
  std::cout << "}" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const Failure& failure) {
    std::string line = failure.message;
    std::cerr << "saved_model_run: error: " << line << std::endl;
    return failure.code;
  } catch (const std::exception& error) {
    std::cerr << "saved_model_run: error: " << error.what() << std::endl;
    return 1;
  }
}
