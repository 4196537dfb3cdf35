"""Mislabel detection on Fashion-MNIST with exact symmetric noise: one ELR training against cleanlab's
`find_label_issues` on K-fold cross-validated probabilities of the same model and data, with the wall time of each."""
import argparse, time, warnings
import numpy as np, pandas as pd, torch
from sklearn.model_selection import StratifiedKFold
import sklearn.metrics as skm
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores
from fastai.vision.all import *
from fastai_elr.all import *

def mlp(): return nn.Sequential(Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))

def fit(dls, cbs, epochs, lr, seed):
    set_seed(seed, reproducible=True)
    learn = Learner(dls, mlp(), metrics=accuracy, cbs=cbs)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    return learn

def cv_probs(x, y, vocab, folds, epochs, lr, seed, bs):
    "Out-of-fold probabilities of the same model trained with plain cross entropy on the noisy labels"
    probs = np.zeros((len(y), len(vocab)), dtype=np.float32)
    for tr, ho in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        dls = arrays_dls(x[tr], y[tr], x[ho], y[ho], vocab=vocab, bs=bs, seed=seed)
        learn = fit(dls, [], epochs, lr, seed)
        with learn.no_bar(): probs[ho] = to_np(learn.get_preds(dl=dls.test_dl(dls.valid_ds.items, with_labels=True))[0])
    return probs

def flag_metrics(wrong, flags, score):
    p, r, f1, _ = skm.precision_recall_fscore_support(wrong, flags, average='binary', zero_division=0)
    top = np.argsort(-score, kind='stable')[:wrong.sum()]
    return dict(auroc=skm.roc_auc_score(wrong, score), precision=p, recall=r, f1=f1, precision_at_k=wrong[top].mean(),
                n_flagged=int(flags.sum()))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--rate', type=float, default=0.4)
    p.add_argument('--n-train', type=int, default=10000)
    p.add_argument('--epochs', type=int, default=15)
    p.add_argument('--lr', type=float, default=3e-3)
    p.add_argument('--bs', type=int, default=128)
    p.add_argument('--folds', type=int, default=5)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1, help='torch threads (one avoids oversubscription on a shared machine)')
    args = p.parse_args()
    warnings.filterwarnings('ignore')
    torch.set_num_threads(args.threads)
    dls = fashion_mnist_dls(args.rate, seed=args.seed, n_train=args.n_train, bs=args.bs)
    noise, vocab = dls.noise, list(dls.vocab)
    print(f"Fashion-MNIST, {len(dls.train_ds)} training items, {noise.mask.sum()} labels wrong (rate {noise.rate:.4f}), "
          f"MLP, {args.epochs} epochs one-cycle lr {args.lr}, bs {args.bs}, {torch.get_num_threads()} threads")

    t0, c0 = time.perf_counter(), time.process_time()  # CPU time too: wall time swings with a shared machine's load
    learn = fit(dls, ELRCallback(), args.epochs, args.lr, args.seed)
    with learn.no_bar(): interp = MislabelInterpretation.from_learner(learn)
    t_elr, c_elr = time.perf_counter() - t0, time.process_time() - c0
    rows = {f"ELR {by}": {k: v for k, v in interp.evaluate(noise, by=by).items() if k not in ('by', 'n_items', 'n_mislabeled', 'k')}
            for by in interp.scores}
    with learn.no_bar(): acc = learn.validate()[1]
    print(f"ELR: one training + MislabelInterpretation; valid accuracy {acc:.4f}; wall {t_elr:.1f}s, CPU {c_elr:.1f}s")

    t0, c0 = time.perf_counter(), time.process_time()
    x = np.stack([it[0] for it in dls.train_ds.items]); y = noise.noisy
    probs = cv_probs(x, y, vocab, args.folds, args.epochs, args.lr, args.seed, args.bs)
    issues = find_label_issues(y, probs)
    t_cl, c_cl = time.perf_counter() - t0, time.process_time() - c0
    wrong = noise.mask
    for method in ('self_confidence', 'normalized_margin'):
        rows[f"cleanlab {method}"] = flag_metrics(wrong, issues, 1 - get_label_quality_scores(y, probs, method=method))
    rows["cleanlab CV argmax"] = flag_metrics(wrong, probs.argmax(1) != y, 1 - get_label_quality_scores(y, probs))
    print(f"cleanlab: {args.folds}-fold cross-validated probabilities + find_label_issues; wall {t_cl:.1f}s, CPU {c_cl:.1f}s")
    with pd.option_context('display.width', 200, 'display.max_columns', None, 'display.float_format', '{:.4f}'.format):
        print(pd.DataFrame(rows).T)
    print(f"compute: ELR {c_elr:.1f}s CPU ({t_elr:.1f}s wall), cleanlab {c_cl:.1f}s CPU ({t_cl:.1f}s wall): {c_cl/c_elr:.1f}x the CPU time")
