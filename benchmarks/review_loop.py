"""Close the review loop on noisy Fashion-MNIST: a reviewer who accepts the suggestion for the top k candidates
(and learns the truth of nothing else) fixes how many wrong labels per 100 reviewed, and what clean test accuracy
does retraining on the corrected file give, against training on the noisy labels?

    python benchmarks/review_loop.py --n-train 10000 --epochs 10      # about 15 min on 2 shared cores

Everything goes through the package's own path: `elr_train` makes the run, `Review.from_run` and `Review.decide`
store the decisions, `Review.export` writes the corrected CSV, and `elr_train --data corrected.csv --percent 0`
retrains with the same settings. Runs go to `--out` (default runs/review_loop)."""
import argparse, json, warnings
from pathlib import Path
import numpy as np, pandas as pd, torch
from fastai_elr.cli import main as elr_train
from fastai_elr.review import Review

def train(out, *flags):
    "Run `elr_train` quietly into `out` (kept when it finished before) and return its metrics"
    if not (out/'metrics.json').exists():
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            rc = elr_train([*map(str, flags), '--out', str(out), '-q'])
        if rc: raise SystemExit(f"elr_train {' '.join(map(str, flags))} failed ({rc})")
    return json.loads((out/'metrics.json').read_text())

def row(name, m, reviewed='', fixed='', broken=''):
    return dict(labels=name, reviewed=reviewed, fixed_per_100=fixed, broken_per_100=broken,
                wrong_left=m['noise']['n_wrong'], acc_last=round(m['accuracy_last'], 4), acc_best=round(m['accuracy_best'], 4))

def markdown(df):
    "`df` as a Markdown table"
    lines = ['| ' + ' | '.join(map(str, r)) + ' |' for r in [df.columns, *df.itertuples(index=False)]]
    return '\n'.join([lines[0], '|' + '---|' * len(df.columns), *lines[1:]])

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--run', help="an existing Fashion-MNIST run folder of elr_train (default: train one)")
    p.add_argument('--n-train', type=int, default=10000, help="training items (None: all 60,000)")
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--arch', help="elr_train's --arch (default: its default for Fashion-MNIST)")
    p.add_argument('--ks', type=int, nargs='+', default=[500, 1000, 2000])
    p.add_argument('--out', default='runs/review_loop')
    a = p.parse_args()
    torch.set_num_threads(1)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    same = ['--epochs', a.epochs, '--seed', 0, '--method', 'elr', *(['--arch', a.arch] if a.arch else [])]   # the settings every run shares
    run = Path(a.run) if a.run else out/'noisy'
    noisy = train(run, '--data', 'fashion_mnist', '--percent', 0.4, *(['--n-train', a.n_train] if a.n_train else []), *same)
    cfg = json.loads((run/'config.json').read_text())
    ranking = pd.read_csv(run/'mislabeled.csv', dtype={'item': str, 'given': str, 'suggested': str, 'true': str})
    rows = [row('noisy (as trained)', noisy)]
    for k in a.ks:
        db = out/f'top{k}.sqlite'
        db.unlink(missing_ok=True)
        rv = Review.from_run(run, db=db, top=k)
        for r in rv.candidates.itertuples(): rv.decide(r.item, 'accept')   # the simulated reviewer: accept every suggestion
        top = ranking.head(k)
        fixed = int(((top.given != top.true) & (top.suggested == top.true)).sum())
        broken = int(((top.given == top.true) & (top.suggested != top.true)).sum())
        csv = rv.export(out/f'corrected_top{k}.csv')
        m = train(out/f'retrain_top{k}', '--data', csv, '--percent', 0, *same)
        rows.append(row(f'top {k} accepted', m, k, round(100 * fixed / k, 1), round(100 * broken / k, 1)))
    clean = out/'clean.csv'   # the ceiling: every label true
    ranking.sort_values('idx').assign(label=lambda d: d.true)[['item', 'label']].to_csv(clean, index=False)
    rows.append(row('all true (ceiling)', train(out/'retrain_clean', '--data', clean, '--percent', 0, *same)))
    print(f"Fashion-MNIST, {len(ranking)} training items, 40% symmetric noise ({noisy['noise']['n_wrong']} wrong); "
          f"ELR, arch {cfg['arch']}, {cfg['epochs']} epochs, seed 0; accuracy on the 10,000 clean test images")
    print(markdown(pd.DataFrame(rows)))
