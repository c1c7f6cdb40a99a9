using Xunit;

// One test class at a time: with two classes' DuckDB instances at work in one process (each on its own file), the
// test host died of SIGSEGV (in libduckdb or libc's memmove, on a thread-pool thread) in about one run in seven. One
// process runs one store in the product (the worker's hunts and loads share it under its gate); these tests keep to
// that. The cause inside DuckDB was not found (bench/README.md, twenty-first session).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
