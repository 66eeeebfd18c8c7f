//! Test vectors: real request bodies captured from kubectl, and hand-built bodies.
