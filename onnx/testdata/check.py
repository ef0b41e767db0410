"""Checks ONNX files with the onnx package (Debian python3-onnx) for the Go tests.

usage: python3 check.py FILE.onnx...
Runs onnx.checker.check_model (full_check: shape inference too) on each file
and prints one JSON object: per file its opset, metadata_props and the
inputs' and outputs' names and dims (a symbolic dim as its name).
"""
import json
import sys

import onnx


def dims(vi):
    return [d.dim_param if d.dim_param else d.dim_value for d in vi.type.tensor_type.shape.dim]


def main():
    out = {}
    for path in sys.argv[1:]:
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        out[path] = {
            "opset": [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0],
            "metadata": {p.key: p.value for p in m.metadata_props},
            "inputs": [[i.name, dims(i)] for i in m.graph.input],
            "outputs": [[o.name, dims(o)] for o in m.graph.output],
            "input_doc": [i.doc_string for i in m.graph.input],
        }
    json.dump(out, sys.stdout)


main()
