"""Ingest with the model already loaded (as the app's "Add reports" runs it) against the same model alone, in one process.

Leaves out what a cold command pays once (interpreter, imports, model load), so what remains is how
well reading PDFs overlaps embedding. Run as ``python -m bench.pipeline_worker ARGS_JSON``; prints one JSON line.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path


def main() -> int:
    args = json.loads(sys.argv[1])
    from dscb_assistant import index as index_store
    from dscb_assistant.embed import HashEmbedder, MiniLMEmbedder
    from dscb_assistant.ingest import embedded_texts, ingest
    from dscb_assistant.settings import HASH_EMBEDDER, Settings

    model = HashEmbedder() if args["embedder"] == HASH_EMBEDDER else MiniLMEmbedder()
    texts = sorted(embedded_texts(index_store.read(Path(args["reference_index"])).passages), key=len)
    model.encode(texts[:2])
    index = Path(args["work"]) / "index"
    settings = Settings(corpus_dir=Path(args["corpus"]), index_dir=index, embedder=args["embedder"])
    ingests, encodes = [], []
    for _ in range(args["rounds"]):
        started = time.perf_counter()
        model.encode(texts, batch_size=settings.batch_size)
        encodes.append(time.perf_counter() - started)
        shutil.rmtree(index, ignore_errors=True)
        started = time.perf_counter()
        ingest(settings, embedder=model)
        ingests.append(time.perf_counter() - started)
    print(json.dumps({"ingest_s": ingests, "encode_s": encodes, "ratio_best": min(ingests) / min(encodes),
                      "ratio_pairs": [i / e for i, e in zip(ingests, encodes)]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
