/* A small native object: data, bss, a hidden symbol, a weak one, an extern with a negative
 * addend, and calls, so relocations of several kinds appear on every target. */
__attribute__((visibility("hidden"))) int hidden_counter = 1;
__attribute__((weak)) int weak_value = 7;
static int local_total;
extern int table[];
extern int external(int);

int tiny_sum(int n) {
  local_total += n;
  return table[-3] + hidden_counter + weak_value + external(local_total);
}
