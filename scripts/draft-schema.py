#!/usr/bin/env python3
"""Drafts a JSON Schema (2020-12) from sample outputs, for docs/schemas/.

    scripts/draft-schema.py TITLE SAMPLE.json|SAMPLE.jsonl ... > docs/schemas/NAME.schema.json

Objects get `additionalProperties: false` and the keys every sample has as `required`. A key is
allowed to be null when the Swift sources declare a property of that name `@NullEncodable`, and
is not required when one is declared optional (`var x: T?`, omitted when nil). Objects whose keys
are data (class names, origins, directions) become maps. Numbers are `number` (Swift writes 1.0
as 1) or the strings NaN/Infinity/-Infinity that reports use for non-finite values. Review every
draft before committing it: the samples show what was written, not what may be.
"""
import glob, importlib.util, json, os, re, sys

_spec = importlib.util.spec_from_file_location("loss_schema", os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss-schema.py"))
_loss_schema = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_loss_schema)

# The library's public properties are what the writers encode (command-line options are not).
SOURCES = glob.glob("Sources/NCLandscape/**/*.swift", recursive=True)
text = "\n".join(open(p, encoding="utf-8").read() for p in SOURCES)
NULLABLE = set(re.findall(r"@NullEncodable public var (\w+)", text))
OPTIONAL = set(re.findall(r"^\s*public var (\w+): [^=\n]*\?(?: =[^\n]*)?$", text, re.M)) - NULLABLE
# CodingKeys renames: the JSON name inherits the Swift property's nullability.
for swift, json_name in re.findall(r"(\w+) = \"(\w+)\"", text):
    if swift in NULLABLE: NULLABLE.add(json_name)
    if swift in OPTIONAL: OPTIONAL.add(json_name)
# Objects whose keys are data, not field names.
MAPS = {"origins", "classCounts", "outcomes", "endClasses", "directions", "byClass", "classes"}
CLASSES = ["global_minimizer", "strict_saddle", "spurious_local_minimizer", "local_minimizer", "degenerate",
           "not_critical", "undetermined"]
ENUMS = {"classification": CLASSES, "thresholdClassification": CLASSES, "finalClassification": CLASSES,
         "provenClass": CLASSES, "label": CLASSES}


def kind(v):
    if v is None: return "null"
    if isinstance(v, bool): return "boolean"
    if isinstance(v, (int, float)): return "number"
    if isinstance(v, str): return "string"
    if isinstance(v, list): return "array"
    return "object"


def infer(values, key=None):
    kinds = {kind(v) for v in values}
    # "NaN"/"Infinity" strings stand for numbers.
    if "number" in kinds and "string" in kinds and all(v in ("NaN", "Infinity", "-Infinity") for v in values if isinstance(v, str)):
        kinds.discard("string")
    schemas = []
    if key == "loss" and kinds == {"object"}:
        return {"$ref": "#/$defs/lossFunction"}
    for k in sorted(kinds - {"null"}):
        vs = [v for v in values if kind(v) == k]
        if k == "number":
            schemas.append({"$ref": "#/$defs/real"})
        elif k == "string":
            schemas.append({"type": "string", "enum": ENUMS[key]} if key in ENUMS else {"type": "string"})
        elif k == "boolean":
            schemas.append({"type": "boolean"})
        elif k == "array":
            items = [x for v in vs for x in v]
            schemas.append({"type": "array", "items": infer(items)} if items else {"type": "array"})
        else:
            schemas.append(infer_object(vs, key))
    if "null" in kinds or key in NULLABLE:
        schemas.append({"type": "null"})
    if not schemas:
        return {}
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def infer_object(objs, key=None):
    if key in MAPS:
        vals = [v for o in objs for v in o.values()]
        return {"type": "object", "additionalProperties": infer(vals) if vals else {}}
    keys = sorted({k for o in objs for k in o})
    props = {k: infer([o[k] for o in objs if k in o], k) for k in keys}
    required = [k for k in keys if all(k in o for o in objs) and k not in OPTIONAL]
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def load(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            return [json.loads(l) for l in f if l.strip()]
        return [json.load(f)]


title = sys.argv[1]
samples = [s for p in sys.argv[2:] for s in load(p)]
schema = infer(samples)
if schema.get("type") == "object" and "schemaVersion" in schema["properties"]:
    schema["properties"]["schemaVersion"] = {"const": 2}
out = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title}
out.update(schema)
out["$defs"] = {
    "real": {"anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}]},
    # The loss function, as in point files: each parameter only with its kind (from the loss
    # registry of the built binary, as scripts/loss-schema.py writes it into every schema).
    "lossFunction": _loss_schema.definition(os.environ.get("NCLANDSCAPE_BIN", ".build/debug/nclandscape")),
}
print(json.dumps(out, indent=2, ensure_ascii=False))
