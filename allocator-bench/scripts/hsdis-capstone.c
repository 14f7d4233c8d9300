/*
 * A PrintAssembly plugin for HotSpot (the hsdis protocol: one exported decode_instructions_virtual) over
 * the capstone disassembler, so that -XX:+PrintAssembly and JMH's perfasm profiler show C2's code on a
 * host without the JDK's hsdis. Built by hsdis.sh; x86-64 only.
 */
#include <stdint.h>
#include <stdio.h>
#include <capstone/capstone.h>
typedef void* (*event_cb)(void*, const char*, void*);
typedef int (*printf_cb)(void*, const char*, ...);
static void* no_event(void* s, const char* e, void* a) { return NULL; }
void* decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char* buffer, uintptr_t length,
                                  event_cb event, void* event_stream, printf_cb out, void* out_stream,
                                  const char* options, int newline) {
  if (out == NULL) { out = (printf_cb) fprintf; if (out_stream == NULL) out_stream = stdout; }
  if (event == NULL) event = no_event;
  csh h;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) return NULL;
  cs_option(h, CS_OPT_SKIPDATA, CS_OPT_ON);
  cs_insn* insn;
  size_t n = cs_disasm(h, buffer, length, (uint64_t) start_va, 0, &insn);
  for (size_t j = 0; j < n; j++) {
    event(event_stream, "insn", (void*) (uintptr_t) insn[j].address);
    out(out_stream, "%s\t%s", insn[j].mnemonic, insn[j].op_str);
    event(event_stream, "/insn", (void*) (uintptr_t) (insn[j].address + insn[j].size));
    if (newline) out(out_stream, "\n");
  }
  if (n) cs_free(insn, n);
  cs_close(&h);
  return NULL;
}
