#!/usr/bin/env python3
"""Edit notebooks as plain text with their cell ids kept, so that git diffs and merges stay per cell.

    python tools/nbpy.py py nbs/03_callback.ipynb [text.py]   # notebook -> text (default: /tmp/nbpy/<stem>.py)
    python tools/nbpy.py nb text.py [nbs/03_callback.ipynb]    # text -> notebook (default: nbs/<stem>.ipynb)

The text holds one cell per `# %% <kind> <id>` line (`kind` is `code` or `md`; markdown is written as is,
not commented). A new cell is a line `# %% code` or `# %% md` with no id: it gets a fresh id. Cells whose
source is unchanged keep their outputs; changed cells lose them. Run `nbdev-export && nbdev-clean` after.
"""
import json, re, secrets, sys
from pathlib import Path

MARK = re.compile(r'^# %% (code|md)(?: ([0-9a-f]{8}))?\s*$')

def to_text(nb_file, out=None):
    nb = json.loads(Path(nb_file).read_text())
    parts = []
    for c in nb['cells']:
        kind = 'md' if c['cell_type'] == 'markdown' else 'code'
        parts.append(f"# %% {kind} {c['id']}\n{''.join(c['source'])}\n")
    out = Path(out or f'/tmp/nbpy/{Path(nb_file).stem}.py')
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text('\n'.join(parts))
    return out

def _cells(text):
    cells, cur = [], None
    for line in text.splitlines():
        m = MARK.match(line)
        if m: cur = [m[1], m[2], []]; cells.append(cur); continue
        if cur is None:
            if line.strip(): raise SystemExit(f"text before the first '# %%' marker: {line!r}")
            continue
        cur[2].append(line)
    return [(k, i, '\n'.join(ls).strip('\n')) for k, i, ls in cells]

def to_nb(text_file, nb_file=None):
    nb_file = Path(nb_file or f'nbs/{Path(text_file).stem}.ipynb')
    old = json.loads(nb_file.read_text()) if nb_file.exists() else {
        'cells': [], 'metadata': {'jupytext': {'cell_metadata_filter': '-all', 'main_language': 'python',
                                               'notebook_metadata_filter': '-all'}}, 'nbformat': 4, 'nbformat_minor': 5}
    prev, seen, cells = {c['id']: c for c in old['cells']}, set(), []
    for kind, cid, src in _cells(Path(text_file).read_text()):
        if cid in seen: raise SystemExit(f"cell id {cid} appears twice")
        cid = cid or secrets.token_hex(4)
        seen.add(cid)
        lines = src.splitlines(keepends=True)
        if kind == 'md': cells.append({'cell_type': 'markdown', 'id': cid, 'metadata': {}, 'source': lines}); continue
        p = prev.get(cid)
        keep = p is not None and p['cell_type'] == 'code' and ''.join(p['source']) == src
        cells.append({'cell_type': 'code', 'execution_count': None, 'id': cid, 'metadata': p['metadata'] if keep else {},
                      'outputs': p['outputs'] if keep else [], 'source': lines})
    old['cells'] = cells
    nb_file.write_text(json.dumps(old, indent=1, ensure_ascii=False) + '\n')
    return nb_file

if __name__ == '__main__':
    if len(sys.argv) < 3 or sys.argv[1] not in ('py', 'nb'): raise SystemExit(__doc__)
    print((to_text if sys.argv[1] == 'py' else to_nb)(*sys.argv[2:4]))
