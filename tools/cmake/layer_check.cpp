// Empty on purpose: each layer's link check (CMakeLists.txt, bucky_layer) is a
// shared object made of this file and every object of one layer, linked with
// --no-undefined against only the layers that one may use. A layer that calls
// into a layer above it (a core into CAF or LMDB, storage into the network)
// fails the build there, naming the symbol.
