// Fuzz target: the option grammars, one per first byte: a sweep axis (`--set FIELD=VALUES`), a
// routing histogram, compute budgets, a number list, quantities with units, and the header
// line of a sweep part (`moesim merge` reads it from files it is given).
#include "fuzz_checks.h"
#include "moesim/io/files.h"
#include "moesim/io/sweep.h"
#include "moesim/io/sweep_parts.h"
#include "moesim/io/units.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moesim;
  if (size == 0) return 0;
  const std::string text(fuzz::text_of(data + 1, size - 1));
  Diagnostics d;
  switch (data[0] % 6) {
    case 0:
      if (const auto axis = io::parse_sweep_axis(text, d, 10000))
        if (axis->values.empty()) std::abort();
      break;
    case 1:
      if (const auto shares = io::parse_share_list(text, "--routing-histogram", d))
        for (double s : *shares) fuzz::require_figure("share", s);
      break;
    case 2:
      if (const auto budgets = io::parse_budgets(text, "--budgets", d))
        for (double b : *budgets)
          if (!(b > 0) || !std::isfinite(b)) fuzz::fail("budget", b);
      break;
    case 3:
      if (const auto list = io::parse_number_list(text, "--top-k", "values", d))
        for (double v : *list)
          if (!(v > 0) || !std::isfinite(v)) fuzz::fail("list value", v);
      break;
    case 5:
      if (const auto h = io::read_part_header(text)) {  // what is read is what would be written
        const auto again = io::read_part_header(io::part_header_line(*h));
        if (!again || again->plan != h->plan || again->rows != h->rows || !(h->shard.index < h->shard.count) || h->chunk == 0) std::abort();
      }
      break;
    default:
      for (io::Dimension dim : {io::Dimension::bytes, io::Dimension::bytes_per_s, io::Dimension::flop_per_s, io::Dimension::seconds,
                                io::Dimension::watts, io::Dimension::usd_per_hour}) {
        const io::ParsedQuantity q = io::parse_quantity(text, dim);
        if (q.value && (!std::isfinite(*q.value) || *q.value < 0)) fuzz::fail("quantity", *q.value);
        if (!q.value && q.error.empty()) std::abort();  // a refusal says why
      }
  }
  return 0;
}
