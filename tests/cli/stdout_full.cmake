# Output that cannot be written is no success: `moesim estimate > /dev/full` exits 2 with a
# message (it once exited 0).
execute_process(COMMAND ${MOESIM} estimate OUTPUT_FILE /dev/full RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "cannot write to standard output")
  message(FATAL_ERROR "exit ${rc}, expected 2 with a message\n${err}")
endif()
