"""The transformer helpers: length limits from position embeddings, CPU overrides."""
from types import SimpleNamespace

import pytest
from spacy import util

from conftest import ROOT
from custom_ner.training.transformer import cpu_overrides, max_wordpieces


@pytest.mark.parametrize(
    "model_type,positions,pad,expected",
    [("bert", 512, 0, 512), ("roberta", 514, 1, 512), ("xlm-roberta", 514, 1, 512), ("roberta", 34, 1, 32)],
)
def test_max_wordpieces_allows_for_the_position_offset(model_type, positions, pad, expected):
    config = SimpleNamespace(model_type=model_type, max_position_embeddings=positions, pad_token_id=pad)
    assert max_wordpieces(config) == expected


def test_max_wordpieces_is_none_when_the_model_does_not_say():
    assert max_wordpieces(SimpleNamespace(model_type="xlnet")) is None


def test_cpu_overrides_switch_off_mixed_precision_of_the_trf_config():
    config = util.load_config(ROOT / "configs" / "trf.cfg", interpolate=False)
    assert config["components"]["transformer"]["model"]["mixed_precision"] is True
    assert cpu_overrides(config) == {
        "components.transformer.model.mixed_precision": False,
        "components.transformer.model.grad_scaler_config.enabled": False,
    }


def test_cpu_overrides_leave_the_cpu_config_alone():
    assert cpu_overrides(util.load_config(ROOT / "configs" / "cpu.cfg", interpolate=False)) == {}


def test_trf_config_takes_the_model_from_a_variable_and_fits_its_length():
    config = util.load_config(
        ROOT / "configs" / "trf.cfg", overrides={"paths.transformer": "/models/minilm"}, interpolate=True
    )
    assert config["components"]["transformer"]["model"]["name"] == "/models/minilm"
    assert config["initialize"]["after_init"] == {"@callbacks": "custom_ner.fit_max_length.v1"}
    assert config["training"]["optimizer"]["learn_rate"]["total_steps"] == config["training"]["max_steps"]
