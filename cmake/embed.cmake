# embed_files(<name> <output.cc> <c++ symbol> <base dir> <files...>)
# Generates a .cc defining `extern const std::vector<EmbeddedFile> <symbol>` holding each file's path
# (relative to <base dir>) and bytes, regenerated whenever an input changes. The file list goes through
# a list file because a CMake list does not survive being passed as one -D argument.
function(embed_files name output symbol base)
  set(files ${ARGN})
  file(WRITE ${output}.list "${files}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DSYMBOL=${symbol} -DLIST_FILE=${output}.list -DBASE=${base}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${files} ${output}.list ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${name}")
endfunction()
