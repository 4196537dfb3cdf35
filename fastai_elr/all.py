"The public API of fastai_elr, as `from fastai_elr.all import *`"
from .torch_pair import check_torch_pair
check_torch_pair()   # before anything imports torchvision: a mismatched pair fails in one line, with its fix
from .indices import *
from .loss import *
from .checkpoint import *
from .identity import *
from .callback import *
from .noise import *
from .data import *
from .models import *
from .plus import *
from .sop import *
from .distributed import *
from .export import *
from .interpret import *
from .health import *
from .decisions import ReviewDB, ReviewError, read_decisions, apply_decisions, corrected_labels, write_corrected
from .review import Review, ReviewServer  # the web stack loads only when a page is served
