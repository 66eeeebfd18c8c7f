//! Tests of the loader against real files.
