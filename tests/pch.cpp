// Compiled only to produce the precompiled header that the test executables reuse.
