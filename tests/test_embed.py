"""Questions encoded without torch: the ONNX export of the model gives the torch model's vectors."""

from __future__ import annotations

import subprocess
from dataclasses import replace
import sys

import numpy as np
import pytest

from dscb_assistant.settings import PROJECT_ROOT


TEXTS = [
    "bruise on a baby who could not roll",
    "CAMHS said it didn't meet threshold",
    "x",
    "",
    "Mum's boyfriend — not known to services — was living at the address (née Smith); café, naïve, 中文, 🙂",
    "The health visitor saw bruising on the baby and accepted the account that he had rolled off the sofa. " * 30,
    "<script>alert(1)</script> 9.1 The board should ensure that agencies share information.",
]


@pytest.fixture(scope="module")
@pytest.mark.model
def exported(tmp_path_factory):
    from dscb_assistant.embed import export_query_model

    index_dir = tmp_path_factory.mktemp("index")
    path = export_query_model(index_dir)
    assert path.exists() and path.parent.parent == index_dir
    return index_dir, path


@pytest.mark.model
def test_onnx_and_torch_encoders_give_the_same_vectors(exported):
    from dscb_assistant.embed import MiniLMEmbedder, OnnxMiniLM

    _, path = exported
    torch_vectors = MiniLMEmbedder(precision="fp32").encode(TEXTS)
    onnx = OnnxMiniLM(path)
    together = onnx.encode(TEXTS)  # one padded batch, texts of very different lengths
    one_by_one = np.stack([onnx.encode([t])[0] for t in TEXTS])
    for vectors in (together, one_by_one):
        assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
        cosines = (vectors * torch_vectors).sum(axis=1)
        assert cosines.min() > 0.999, cosines
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    different = together @ together.T
    assert different[0, 2] < 0.9  # not a constant vector: unrelated texts stay apart


@pytest.mark.model
def test_a_question_is_answered_without_importing_torch(exported, tmp_path):
    """A one-shot search loads onnxruntime, never torch, once ingest has saved the export."""
    index_dir, _ = exported
    script = (
        "import sys\n"
        "from dscb_assistant.embed import get_query_encoder\n"
        f"encoder = get_query_encoder('all-MiniLM-L6-v2', {str(index_dir)!r})\n"
        "vector = encoder.encode(['was the child seen alone'])[0]\n"
        "print(type(encoder).__name__, round(float((vector * vector).sum()), 4), 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["OnnxMiniLM", "1.0", "False"]


@pytest.mark.model
def test_without_an_export_questions_fall_back_to_the_torch_model(tmp_path):
    from dscb_assistant.embed import MiniLMEmbedder, get_query_encoder

    assert isinstance(get_query_encoder("all-MiniLM-L6-v2", tmp_path), MiniLMEmbedder)


def test_keywords_mode_answers_before_the_meaning_model_is_loaded(small_corpus):
    from dscb_assistant.ingest import ingest
    from dscb_assistant.search import Searcher

    ingest(small_corpus)
    searcher = Searcher(replace(small_corpus, expand_queries=False))  # the plain word ranking is then the oracle
    assert not searcher.meaning_ready()
    hits = searcher.search("county lines exploitation", k=5, mode="keywords")
    assert not searcher.meaning_ready()  # answered without loading the encoder
    words = searcher.search("county lines exploitation", k=5, mode="bm25", per_report=small_corpus.per_report)
    assert [h.passage.id for h in hits] == [h.passage.id for h in words]  # the word ranking, as it is
    assert hits
    searcher.load_meaning_model()
    assert searcher.meaning_ready()
