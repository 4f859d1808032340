import numpy
import pytest
from thinc.api import Maxout, Relu, chain

from custom_ner.training.transfer import copy_weights


def init(model, n_in):
    model.initialize(X=numpy.zeros((2, n_in), dtype="f"))
    return model


def test_weights_are_copied_and_extra_inputs_start_at_zero():
    source = init(chain(Maxout(4, 6, nP=2), Relu(4, 4)), 6)
    target = init(chain(Maxout(4, 8, nP=2), Relu(4, 4)), 8)
    counts = copy_weights(source, target)
    assert counts == {"copied": 3, "widened": 1}
    W_src, W_tgt = source.layers[0].get_param("W"), target.layers[0].get_param("W")
    assert numpy.array_equal(W_tgt[..., :6], W_src) and not W_tgt[..., 6:].any()
    # the widened model computes what the source did on the inputs they share
    X = numpy.random.RandomState(0).rand(3, 6).astype("f")
    X_wide = numpy.hstack([X, numpy.random.RandomState(1).rand(3, 2).astype("f")])
    assert numpy.allclose(source.predict(X), target.predict(X_wide), atol=1e-6)


def test_mismatched_architectures_are_refused_with_the_reason():
    source = init(chain(Maxout(4, 6, nP=2), Relu(4, 4)), 6)
    deeper = init(chain(Maxout(4, 6, nP=2), Relu(4, 4), Relu(4, 4)), 6)
    with pytest.raises(ValueError, match="1 relu layer\\(s\\) in the source, 2 in the target"):
        copy_weights(source, deeper)
    narrower = init(chain(Maxout(3, 6, nP=2), Relu(4, 3)), 6)
    with pytest.raises(ValueError, match="maxout 0 W"):
        copy_weights(source, narrower)
