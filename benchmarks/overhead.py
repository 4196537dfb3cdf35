"Per-epoch time of a Learner with ELRCallback against the same Learner without it."
import argparse, statistics, time, warnings
from fastai.vision.all import *
from fastai_elr.all import *

def mlp(): return nn.Sequential(Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))

def epoch_time(make_learner, cbs, epochs):
    "Median seconds per training epoch (one warm-up epoch first)"
    learn = make_learner(cbs)
    times = []
    class Clock(Callback):
        def before_train(self): self.t = time.perf_counter()
        def after_train(self): times.append(time.perf_counter() - self.t)
    with learn.no_bar(), learn.no_logging(): learn.fit(epochs + 1, 1e-3, cbs=Clock())
    return statistics.median(times[1:])

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--repeats', type=int, default=3)
    args = p.parse_args()
    warnings.filterwarnings('ignore')
    dls = digits_dls(0.4, seed=0)
    models = {'mlp': lambda cbs: Learner(dls, mlp(), metrics=accuracy, cbs=cbs),
              'resnet18': lambda cbs: vision_learner(dls, 'resnet18', pretrained=False, n_in=1, metrics=accuracy, cbs=cbs)}
    print(f"digits, {len(dls.train_ds)} training items, bs {dls.bs}, {torch.get_num_threads()} threads")
    for name, make in models.items():
        plain, elr = [], []
        for _ in range(args.repeats):  # interleaved, so that load on the machine hits both alike
            plain.append(epoch_time(make, [], args.epochs)); elr.append(epoch_time(make, [ELRCallback()], args.epochs))
        a, b = statistics.median(plain), statistics.median(elr)
        print(f"{name:9s} plain {a:.3f} s/epoch   ELR {b:.3f} s/epoch   ratio {b/a:.3f}")
