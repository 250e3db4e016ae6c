# Shards without MPI (issue 15): the parts of `moesim sweep --shard I/N`, joined by `moesim
# merge`, are the single-process file byte for byte, for CSV and JSON lines, whatever N; parts
# of another run, a missing shard and a short part are refused with exit 2 and nothing
# written; an interrupted shard resumes into the part it would have written.
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
set(args sweep --set experts=8..64 --set top_k=1..4 --set batch=1..1024*2 --set context=1024,4096 --hw h100-sxm,h200 --no-progress)

function(run expect)
  execute_process(COMMAND ${MOESIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL expect)
    message(FATAL_ERROR "exit ${rc}, not ${expect}: ${ARGN}\n${err}")
  endif()
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(same a b)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${a} ${b} RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${a} and ${b} differ")
  endif()
endfunction()

foreach(format csv jsonl)
  run(0 ${args} --format ${format} --out ${DIR}/full.${format})
  foreach(n 2 3)
    set(parts "")
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      run(0 ${args} --format ${format} --shard ${i}/${n} --out ${DIR}/part${i}of${n}.${format})
      list(PREPEND parts ${DIR}/part${i}of${n}.${format})  # in any order
    endforeach()
    run(0 merge ${parts} --out ${DIR}/merged${n}.${format})
    same(${DIR}/full.${format} ${DIR}/merged${n}.${format})
  endforeach()
endforeach()

# Parts of another run, a missing shard, a short part: exit 2, no file.
run(0 sweep --set experts=8,16 --no-progress --shard 1/2 --out ${DIR}/other.csv)
run(2 merge ${DIR}/part0of2.csv ${DIR}/other.csv --out ${DIR}/refused.csv)
if(NOT err MATCHES "different_plan")
  message(FATAL_ERROR "parts of two runs were not refused as such:\n${err}")
endif()
run(2 merge ${DIR}/part0of3.csv ${DIR}/part1of3.csv --out ${DIR}/refused.csv)
file(READ ${DIR}/part1of3.csv part)
string(SUBSTRING "${part}" 0 5000 head)
file(WRITE ${DIR}/short.csv "${head}")
run(2 merge ${DIR}/part0of3.csv ${DIR}/short.csv ${DIR}/part2of3.csv --out ${DIR}/refused.csv)
if(EXISTS ${DIR}/refused.csv OR EXISTS ${DIR}/refused.csv.partial)
  message(FATAL_ERROR "a refused merge left a file")
endif()

# A shard cut mid-row, as a killed job leaves it, resumes into the same part.
file(WRITE ${DIR}/resumed.csv.partial "${head}")
set(plan "")
list(SUBLIST args 1 -1 options)
foreach(a ${options} --shard 1/3)
  if(NOT a STREQUAL "--no-progress")
    string(APPEND plan "${a}\n")
  endif()
endforeach()
file(WRITE ${DIR}/resumed.csv.partial.plan "${plan}")
run(0 ${args} --shard 1/3 --out ${DIR}/resumed.csv --resume)
same(${DIR}/part1of3.csv ${DIR}/resumed.csv)
