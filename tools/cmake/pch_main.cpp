// The target that carries the precompiled CAF header for every executable linking
// the whole runtime (CMakeLists.txt: bucky_pch_runtime). Built, never run.
int main() { return 0; }
