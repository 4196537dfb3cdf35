"The public API of fastai_elr, as `from fastai_elr.all import *`"
from .indices import *
from .loss import *
from .checkpoint import *
from .callback import *
from .noise import *
from .data import *
from .models import *
from .plus import *
from .distributed import *
from .interpret import *
