/* tests/fuzz/fuzz.h: the libFuzzer entry point every target defines (declared once, for -Wmissing-prototypes). */
#ifndef DNSA_TESTS_FUZZ_FUZZ_H
#define DNSA_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* called by libFuzzer with each input; returns 0 (libFuzzer ignores other values) */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
