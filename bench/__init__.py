"""The benchmark harness: data generator, page timings and throughput."""
