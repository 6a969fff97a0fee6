# embed_files(<target-name> <output.cc> <c++ symbol> <files...>)
# Generates a .cc defining `const std::vector<EmbeddedFile> <symbol>` holding each file's name and bytes,
# regenerated whenever an input changes. The file list goes through a list file because a CMake list
# does not survive being passed as one -D argument.
function(embed_files name output symbol)
  set(files ${ARGN})
  file(WRITE ${output}.list "${files}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DSYMBOL=${symbol} -DLIST_FILE=${output}.list
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${name}")
endfunction()
