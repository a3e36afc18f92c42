# Fails when docs/config-reference.md differs from what `sluice plugins --markdown` prints:
# the reference is generated from the declarations and must change with them.
execute_process(COMMAND ${SLUICE} plugins --markdown --plugin-dir ${PLUGIN_DIR}
                OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "sluice plugins --markdown failed with ${rc}")
endif()
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/config-reference.md is out of date: run scripts/gen-config-reference.sh and commit it")
endif()
