#!/usr/bin/env python3
"""Checks the layer rule of docs/architecture.md: each layer uses only the layers below it.

  scripts/check-layers.py            lists every upward reference; exit status 1 if there is one
  scripts/check-layers.py --verbose  also prints the declarations it found per layer
  scripts/check-layers.py --compiler also type-checks each layer with only the layers below it
                                     (swiftc -typecheck, about a minute): the compiler's
                                     verdict, to confirm the lexical one

The layers are folders of the one library target (plus the command line), lowest first:

  LinearAlgebra  LinearAlgebra/, IO/, Support/
  Geometry       Manifold/
  Models         Problem/ (with Problem/Losses/)
  Analysis       Landscape/, Certification/, Metrics/
  Studies        Search/, Dynamics/, Benchmarks/
  Reports        Reports/
  CLI            Sources/nclandscape/

A reference is upward when a file names something whose every declaration is in a higher layer:
a type (struct, class, enum, protocol, typealias, actor; a nested type is named through its
outer one, `Outer.Inner`, and counts as a use of Outer), a top-level function
or constant, or a member that a higher layer adds to a type by an extension (`x.member`,
`Type.member`, `.member`). A name declared in the file's own layer or below is never counted, so
a name shared by two layers errs towards silence, never towards a false alarm. This is a lexical
check (comments and string literals are skipped, interpolations inside strings are read), fast
enough to run with the tests; --compiler confirms it with the compiler, which also sees what no
name spells (a conformance or an overload that only a higher layer declares).

Standard library only.
"""
import argparse, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join("Sources", "NCLandscape")
LAYERS = [
    ("LinearAlgebra", ["LinearAlgebra", "IO", "Support"]),
    ("Geometry", ["Manifold"]),
    ("Models", ["Problem"]),
    ("Analysis", ["Landscape", "Certification", "Metrics"]),
    ("Studies", ["Search", "Dynamics", "Benchmarks"]),
    ("Reports", ["Reports"]),
]
CLI = ("CLI", os.path.join("Sources", "nclandscape"))
TYPE_KEYWORDS = {"struct", "class", "enum", "protocol", "typealias", "actor"}
MEMBER_KEYWORDS = {"func", "var", "let", "case", "init", "subscript", "associatedtype"}


def layer_of(rel):
    """(index, name) of the layer a source file belongs to, or None for files outside the layers."""
    parts = rel.split(os.sep)
    if rel.startswith(CLI[1] + os.sep):
        return len(LAYERS), CLI[0]
    if rel.startswith(LIB + os.sep) and len(parts) > 3:
        for i, (name, folders) in enumerate(LAYERS):
            if parts[2] in folders:
                return i, name
        raise SystemExit(f"check-layers: {rel} is in no layer; add its folder to LAYERS (and to docs/architecture.md)")
    return None


def tokens(text):
    """Identifiers and punctuation of Swift source, with comments and string literal text dropped
    but the code inside string interpolations kept (it can name types)."""
    out, i, n = [], 0, len(text)
    ident = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|`[^`]+`")
    # A stack of open string literals: (closing delimiter, paren depth of the current interpolation).
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == '"' or (c == "#" and re.match(r'#+"', text[i:])):
            i = string_literal(text, i, out)
        elif c.isalpha() or c == "_" or c == "`":
            m = ident.match(text, i)
            out.append(m.group(0).strip("`"))
            i = m.end()
        elif c.isspace():
            i += 1
        elif c.isdigit():
            m = re.compile(r"[0-9][0-9A-Za-z_.]*").match(text, i)
            # A number followed by a member (`2.squareRoot()`) is rare; `1.0e-3` must stay one token.
            i = m.end()
            out.append("0")
        else:
            out.append(c)
            i += 1
    return out


def string_literal(text, i, out):
    """Skips one string literal starting at text[i], appending the tokens of its interpolations;
    returns the index after it."""
    hashes = 0
    while text[i] == "#":
        hashes, i = hashes + 1, i + 1
    multi = text.startswith('"""', i)
    delim = ('"""' if multi else '"') + "#" * hashes
    i += 3 if multi else 1
    escape = "\\" + "#" * hashes
    n = len(text)
    while i < n:
        if text.startswith(delim, i):
            return i + len(delim)
        if text.startswith(escape + "(", i):
            # Interpolation: find the matching parenthesis, itself possibly containing strings.
            i += len(escape) + 1
            depth, start = 1, i
            while i < n and depth:
                if text[i] == '"' or (text[i] == "#" and re.match(r'#+"', text[i:])):
                    i = string_literal(text, i, [])
                    continue
                if text[i] == "(":
                    depth += 1
                elif text[i] == ")":
                    depth -= 1
                i += 1
            out.extend(tokens(text[start:i - 1]))
            continue
        if text.startswith(escape, i):
            i += len(escape) + 1
            continue
        i += 1
    return i


class Scope:
    def __init__(self, kind, name):
        self.kind, self.name = kind, name   # kind: a type keyword, "extension", "func" or None


def declarations(toks):
    """What one file declares: type names (nested too), top-level functions and constants, and for
    each extension the extended type and the members added directly in it."""
    types, top, members, ext_members, local = set(), set(), set(), [], set()
    stack, pending = [], None
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        inside = stack[-1] if stack else None
        if t in TYPE_KEYWORDS and re.match(r"[A-Za-z_]", nxt) and nxt not in MEMBER_KEYWORDS | {"static", "final"} \
                and (i == 0 or toks[i - 1] != "."):
            # Outside its parent a nested type is spelled `Outer.Inner`, which the check sees
            # as Outer; its bare name would only collide with generic parameters like `Key`.
            if not any(s.kind in TYPE_KEYWORDS | {"extension"} for s in stack):
                types.add(nxt)
            local.add(nxt)
            if t != "typealias":
                pending = Scope(t, nxt)
            i += 2
            continue
        if t == "extension" and re.match(r"[A-Za-z_]", nxt):
            # `extension A.B` extends the nested B; the outermost name is the one a layer owns.
            pending = Scope("extension", nxt)
            i += 2
            continue
        prev = toks[i - 1] if i else ""
        if prev in {"(", ",", "<"} and re.match(r"[A-Za-z_]", t) and (nxt == ":" or (
                re.match(r"[A-Za-z_]", nxt) and i + 2 < len(toks) and toks[i + 2] == ":")):
            # An argument label, a parameter or a generic parameter: a name of this file.
            local.add(t)
            if nxt != ":":
                local.add(nxt)
        if t in MEMBER_KEYWORDS and (i == 0 or toks[i - 1] != "."):
            name = nxt if re.match(r"[A-Za-z_]", nxt) else t
            local.add(name)
            at_top = inside is None
            if at_top and t in {"func", "let", "var"}:
                top.add(name)
            elif inside is not None and inside.kind is not None and inside.kind != "func":
                members.add(name)
                if inside.kind == "extension":
                    ext_members.append((inside.name, name))
            if t in {"func", "init", "subscript"}:
                pending = Scope("func", name)
        if t == "{":
            stack.append(pending or Scope(None, None))
            pending = None
        elif t == "}":
            if stack:
                stack.pop()
        elif t == "=" and pending is not None and pending.kind == "func":
            pending = None
        i += 1
    return types, top, members, ext_members, local


def sources():
    out = []
    for base in (LIB, CLI[1]):
        for d, _, files in os.walk(os.path.join(ROOT, base)):
            for f in sorted(files):
                if f.endswith(".swift"):
                    full = os.path.join(d, f)
                    rel = os.path.relpath(full, ROOT)
                    lay = layer_of(rel)
                    if lay is not None:
                        out.append((rel, lay, tokens(open(full, encoding="utf-8").read())))
    return sorted(out)


def check(files, verbose=False):
    """The upward references: (file, its layer, name, the layer that declares it, kind)."""
    count = len(LAYERS) + 1
    type_layers, top_layers, member_layers, ext = {}, {}, {}, {}
    decl_by_file = {}
    for rel, (li, _), toks in files:
        types, top, members, ext_members, local = declarations(toks)
        decl_by_file[rel] = types | top | local
        for name in types:
            type_layers.setdefault(name, set()).add(li)
        for name in top:
            top_layers.setdefault(name, set()).add(li)
        for name in members:
            member_layers.setdefault(name, set()).add(li)
        for owner, name in ext_members:
            ext.setdefault(name, set()).add((li, owner))
    names = {}
    for table in (type_layers, top_layers):
        for name, ls in table.items():
            names.setdefault(name, set()).update(ls)
    if verbose:
        for li in range(count):
            own = sorted(n for n, ls in names.items() if min(ls) == li)
            print(f"layer {li} declares {len(own)} names: {' '.join(own)}")
    found = []
    for rel, (li, lname), toks in files:
        seen = set()
        for k, t in enumerate(toks):
            after_dot = k > 0 and toks[k - 1] == "."
            if not after_dot and t in names and min(names[t]) > li and t not in decl_by_file[rel]:
                hit = (t, min(names[t]), "name")
            elif after_dot and t in ext and min(member_layers.get(t, {count})) > li:
                # A member only a higher layer's extension adds (nothing at or below declares it).
                owner_layer = min(l for l, _ in ext[t])
                owners = "/".join(sorted({o for l, o in ext[t] if l == owner_layer}))
                hit = (f"{owners}.{t}", owner_layer, "extension member")
            else:
                continue
            if hit not in seen:
                seen.add(hit)
                found.append((rel, li, *hit))
    return found


def layer_name(i):
    return LAYERS[i][0] if i < len(LAYERS) else CLI[0]


def self_test():
    """The check on a planted tree: each kind of upward reference is found, and labels, generic
    parameters, comments and strings that only spell a higher layer's name are not. Run before
    every check, so a checker that has stopped seeing anything cannot pass."""
    def f(rel, text):
        return (rel, layer_of(rel), tokens(text))
    planted = [
        f("Sources/NCLandscape/Search/Search.swift",
          "public struct HighType { public static let limit = 1 }\nfunc highFunction() {}\n"
          "extension LowType { public func addedAbove() {} }\n"),
        f("Sources/NCLandscape/LinearAlgebra/Low.swift",
          "public struct LowType { func plain() {} }\n"
          "func usesType() -> HighType? { nil }\n"
          "func usesFunction() { highFunction() }\n"
          "func usesMember(_ x: LowType) { x.addedAbove() }\n"
          "func usesStatic() -> Int { HighType.limit }\n"),
        f("Sources/NCLandscape/IO/Quiet.swift",
          "// HighType in a comment\nlet s = \"HighType \\(1)\"\n"
          "func g<HighType: Sequence>(_ a: HighType) {}\nfunc h(highFunction: Int) { h(highFunction: 1) }\n"),
        f("Sources/NCLandscape/IO/Interpolated.swift", "let t = \"\\(HighType.limit)\"\n"),
    ]
    got = sorted((rel.split("/")[-1], name) for rel, _, name, _, _ in check(planted))
    want = sorted([("Low.swift", "HighType"), ("Low.swift", "highFunction"), ("Low.swift", "LowType.addedAbove"),
                   ("Interpolated.swift", "HighType")])
    if got != want:
        print(f"check-layers: self-test failed: found {got}, expected {want}")
        return False
    return True


def compiler_check(files):
    """Type-checks layers 0…k alone for each k below the top library layer; returns the number
    of prefixes the compiler refused. (The command line is its own target already, so the
    compiler keeps the library from naming it.)"""
    import subprocess
    swiftc = os.environ.get("SWIFTC", "swiftc")
    refused = 0
    for k in range(len(LAYERS) - 1):
        paths = [rel for rel, (li, _), _ in files if li <= k and rel.startswith(LIB)]
        r = subprocess.run([swiftc, "-typecheck", "-module-name", "NCLandscape", "-I", os.path.join("Sources", "CLinearAlgebra"), *paths],
                           cwd=ROOT, capture_output=True, text=True)
        errors = [l for l in (r.stdout + r.stderr).splitlines() if ": error:" in l]
        ok = r.returncode == 0
        refused += 0 if ok else 1
        print(f"check-layers --compiler: {' + '.join(LAYERS[i][0] for i in range(k + 1))} alone ({len(paths)} files): "
              + ("type-checks" if ok else f"refused, {len(errors)} error(s)"))
        for e in errors[:20]:
            print("  " + e)
    return refused


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--compiler", action="store_true")
    a = ap.parse_args()
    if not self_test():
        return 1
    files = sources()
    found = check(files, a.verbose)
    for rel, li, name, where, kind in found:
        print(f"{rel}: {layer_name(li)} uses {name} ({kind} of {layer_name(where)})")
    print(f"check-layers: {len(files)} files, {len(found)} upward reference(s)")
    refused = compiler_check(files) if a.compiler else 0
    return 1 if found or refused else 0


if __name__ == "__main__":
    sys.exit(main())
