/* A BPF object with the shapes the loader cares about: maps, global data in .data/.bss/.rodata,
 * a BPF-to-BPF call, an extern kfunc, and two programs in their own sections. Self-contained
 * (no libbpf headers) so it compiles wherever clang has the BPF target. */
#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

struct {
  __uint(type, 1); /* BPF_MAP_TYPE_HASH */
  __uint(max_entries, 64);
  __type(key, int);
  __type(value, long);
} counts SEC(".maps");

struct {
  __uint(type, 2); /* BPF_MAP_TYPE_ARRAY */
  __uint(max_entries, 1);
  __type(key, int);
  __type(value, int);
} config SEC(".maps");

int hits = 1;
static long misses;
const volatile int limit = 42;
char LICENSE[] SEC("license") = "GPL";

extern int bpf_kfunc_example(int x) __attribute__((section(".ksyms")));

static __attribute__((noinline)) int helper(int x) {
  misses += x;
  return x * limit;
}

SEC("xdp")
int count_packets(void *ctx) {
  void *(*lookup)(void *, const void *) = (void *)1;
  int key = 0;
  long *v = lookup(&counts, &key);
  if (v) *v += 1;
  hits++;
  return helper(hits) + (lookup(&config, &key) != 0);
}

SEC("tc")
int classify(void *ctx) {
  return helper(3) + bpf_kfunc_example(hits);
}
