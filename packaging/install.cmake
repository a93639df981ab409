# Install-time steps (cmake --install, and cpack): the files whose place or
# content depends on the prefix chosen at install time, not at configure time.
# NH_SOURCE_DIR is set by the install(CODE) before this script.
#
# A prefix ending in /usr is a system's /usr (or, under cpack, the package's
# staging copy of it): settings go beside it in /etc and the unit names
# /usr/sbin/nethound. Any other prefix keeps everything under itself.
if(CMAKE_INSTALL_PREFIX MATCHES "^(.*)/usr$")
	set(_etc "${CMAKE_MATCH_1}/etc")
	set(SBINDIR "/usr/sbin")
else()
	set(_etc "${CMAKE_INSTALL_PREFIX}/etc")
	set(SBINDIR "${CMAKE_INSTALL_PREFIX}/sbin")
endif()
# file(INSTALL) adds DESTDIR itself (cpack sets it); configure_file below does not.
file(INSTALL "${NH_SOURCE_DIR}/packaging/nethound.conf" DESTINATION "${_etc}"
	PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
set(_unit "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system/nethound.service")
configure_file("${NH_SOURCE_DIR}/packaging/nethound.service" "${_unit}" @ONLY)
message(STATUS "Installing: ${_unit}")
