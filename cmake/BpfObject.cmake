# bpf_object(NAME SOURCE): compile SOURCE with clang -target bpf into NAME.bpf.o
# and generate NAME.skel.h with bpftool. Adds an interface library NAME_skel
# that user code links to get the skeleton header on its include path.
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

# System include dirs of the host compiler, passed with -idirafter so that BPF
# code finds <linux/types.h> and friends without the host's target headers.
execute_process(
	COMMAND sh -c "${BPF_CLANG} -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \\(/.*\\)|-idirafter \\1|p }'"
	OUTPUT_VARIABLE BPF_SYS_INCLUDES_RAW
	OUTPUT_STRIP_TRAILING_WHITESPACE)
separate_arguments(BPF_SYS_INCLUDES UNIX_COMMAND "${BPF_SYS_INCLUDES_RAW}")

set(BPF_VMLINUX_DIR ${PROJECT_SOURCE_DIR}/vmlinux/x86)

function(bpf_object name source)
	set(obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
	set(skel ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
	file(GLOB bpf_headers ${PROJECT_SOURCE_DIR}/bpf/*.bpf.h)
	add_custom_command(
		OUTPUT ${obj}
		COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86
			-Wall -Wextra -Werror -Wno-unused-parameter
			-I${BPF_VMLINUX_DIR} -I${PROJECT_SOURCE_DIR}/include
			-I${PROJECT_SOURCE_DIR}/bpf ${BPF_SYS_INCLUDES}
			-c ${source} -o ${obj}
		DEPENDS ${source} ${BPF_VMLINUX_DIR}/vmlinux.h
			${PROJECT_SOURCE_DIR}/include/counters.h ${PROJECT_SOURCE_DIR}/include/wire.h
			${PROJECT_SOURCE_DIR}/include/capture.h ${bpf_headers}
		COMMENT "BPF ${name}.bpf.o"
		VERBATIM)
	add_custom_command(
		OUTPUT ${skel}
		COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name}_bpf > ${skel}
		DEPENDS ${obj}
		COMMENT "skeleton ${name}.skel.h"
		VERBATIM)
	add_custom_target(${name}_skel_gen DEPENDS ${skel})
	add_library(${name}_skel INTERFACE)
	add_dependencies(${name}_skel ${name}_skel_gen)
	target_include_directories(${name}_skel INTERFACE ${CMAKE_CURRENT_BINARY_DIR})
endfunction()
