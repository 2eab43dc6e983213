#!/usr/bin/env python3
"""The `lossFunction` definition of the JSON schemas, from the loss registry.

    scripts/loss-schema.py [BINARY]           rewrite $defs.lossFunction in docs/schemas/*.json
    scripts/loss-schema.py --check [BINARY]   exit 1 if a schema's definition differs

Every schema that holds a model carries the same definition: one object per loss of
`nclandscape losses --json`, with exactly its parameters (numbers in their declared range).
After adding a loss, run this once; python/tests/test_schemas.py runs the check.
"""
import glob, json, os, subprocess, sys


def definition(binary):
    entries = json.loads(subprocess.run([binary, "losses", "--json"], check=True, capture_output=True, text=True).stdout)
    options = []
    for e in entries:
        props = {"kind": {"const": e["kind"]}}
        for p in e["parameters"]:
            prop = {"type": "number"}
            if p.get("minimum") is not None: prop["minimum"] = p["minimum"]
            if p.get("maximum") is not None: prop["maximum"] = p["maximum"]
            props[p["key"]] = prop
        options.append({"type": "object", "properties": props, "required": ["kind"] + [p["key"] for p in e["parameters"]],
                        "additionalProperties": False})
    return {"oneOf": options}


def schemas(root):
    return sorted(glob.glob(os.path.join(root, "docs", "schemas", "*.schema.json")))


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = args[0] if args else os.path.join(root, ".build", "debug", "nclandscape")
    want = definition(binary)
    stale = []
    for path in schemas(root):
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        if "lossFunction" not in schema.get("$defs", {}) or schema["$defs"]["lossFunction"] == want:
            continue
        stale.append(os.path.relpath(path, root))
        if not check:
            schema["$defs"]["lossFunction"] = want
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    if check and stale:
        print("the lossFunction definition differs from the loss registry in: " + ", ".join(stale)
              + " (run scripts/loss-schema.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
