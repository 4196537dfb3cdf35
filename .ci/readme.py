"Write README.md from nbs/index.ipynb (Quarto, which nbdev-readme needs, is not available); `--check` fails if they differ."
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def cell_text(cell):
    "Markdown as is (relative image links pointed into nbs/); code fenced, without nbdev directives; hidden cells left out"
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return re.sub(r'(!\[[^\]]*\]\()(?![a-z]+:|/)', r'\1nbs/', src.strip())
    lines = src.splitlines()
    directives = [l for l in lines if l.startswith('#|')]
    if any(d.split()[1:2] in (['hide'], ['default_exp']) for d in directives): return ''
    code = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
    return f'```python\n{code}\n```' if code else ''

def readme():
    nb = json.loads((root/'nbs'/'index.ipynb').read_text())
    return '\n\n'.join(t for t in map(cell_text, nb['cells']) if t) + '\n'

if __name__ == '__main__':
    text, dest = readme(), root/'README.md'
    if '--check' in sys.argv:
        if dest.read_text() != text: sys.exit("README.md is out of date with nbs/index.ipynb: run `python .ci/readme.py`")
    else: dest.write_text(text)
