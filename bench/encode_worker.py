"""The model alone: encode the unique passages of a built index, the way ingest would, and time only that.

Run as ``python -m bench.encode_worker ARGS_JSON``; prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> int:
    args = json.loads(sys.argv[1])
    from dscb_assistant import index as index_store
    from dscb_assistant.embed import HashEmbedder, MiniLMEmbedder
    from dscb_assistant.ingest import embedded_texts
    from dscb_assistant.settings import HASH_EMBEDDER

    contents = index_store.read(Path(args["index_dir"]))
    # What ingest embeds (search texts and sentence windows), in the best case for the model: one global sort.
    texts = sorted(embedded_texts(contents.passages), key=len)
    started = time.perf_counter()
    model = HashEmbedder() if args["embedder"] == HASH_EMBEDDER else MiniLMEmbedder(precision=args.get("precision", "auto"))
    load_s = time.perf_counter() - started
    model.encode(texts[:2])  # first call pays one-off setup; not the model's steady speed
    started, cpu = time.perf_counter(), time.process_time()
    model.encode(texts, batch_size=args["batch_size"])
    encode_s, encode_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"texts": len(texts), "encode_s": encode_s, "encode_cpu_s": encode_cpu_s, "load_s": load_s,
                      "precision": getattr(model, "precision", "-")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
