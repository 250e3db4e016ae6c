# Runs COMMAND (a ;-list) and fails unless it exits with EXPECT (and, with STDERR, unless its
# standard error matches that regular expression). Output is shown on failure.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT "${code}" STREQUAL "${EXPECT}")
  message(FATAL_ERROR "exit code ${code}, expected ${EXPECT}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(STDERR AND NOT err MATCHES "${STDERR}")
  message(FATAL_ERROR "stderr does not match \"${STDERR}\":\n${err}")
endif()
if("${EXPECT}" STREQUAL "2" AND NOT err MATCHES "moesim: error: ")
  if(NOT out MATCHES "usage: moesim")
    message(FATAL_ERROR "exit code 2 without a 'moesim: error:' message\nstderr:\n${err}")
  endif()
endif()
