# Install-time steps (cmake --install, and CPack with DESTDIR): the files whose
# place or content depends on the prefix chosen at install time, not at
# configure time. NH_SOURCE_DIR is set by the install(CODE) before this script.
set(_dest "$ENV{DESTDIR}")
# /usr (a distribution package) keeps its settings in /etc; any other prefix in PREFIX/etc.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
	set(_etc "${_dest}/etc")
else()
	set(_etc "${_dest}${CMAKE_INSTALL_PREFIX}/etc")
endif()
file(INSTALL "${NH_SOURCE_DIR}/packaging/nethound.conf" DESTINATION "${_etc}"
	PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The unit names the binary where this install puts it.
set(SBINDIR "${CMAKE_INSTALL_PREFIX}/sbin")
configure_file("${NH_SOURCE_DIR}/packaging/nethound.service"
	"${_dest}${CMAKE_INSTALL_PREFIX}/lib/systemd/system/nethound.service" @ONLY)
message(STATUS "Installing: ${_dest}${CMAKE_INSTALL_PREFIX}/lib/systemd/system/nethound.service")
