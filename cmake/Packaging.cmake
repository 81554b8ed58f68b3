# `make package`: a Debian package of the release build (CPack). Installs /usr/bin/parley,
# the web pages in /usr/share/parley/web, /etc/parley/parley.toml (a conffile), the hardened
# systemd unit, and creates the `parley` system user and /var/lib/parley (postinst).
include(GNUInstallDirs)

install(TARGETS parley RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The pages, and from web/node_modules only the browser libraries the server publishes.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/ DESTINATION ${CMAKE_INSTALL_DATADIR}/parley/web
        PATTERN node_modules EXCLUDE PATTERN "package*.json" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/web/node_modules/cometd/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/parley/web/node_modules/cometd
        FILES_MATCHING PATTERN "*.js" PATTERN "LICENSE")
install(FILES ${PROJECT_SOURCE_DIR}/web/node_modules/swagger-ui-dist/swagger-ui-bundle.js
              ${PROJECT_SOURCE_DIR}/web/node_modules/swagger-ui-dist/swagger-ui.css
              ${PROJECT_SOURCE_DIR}/web/node_modules/swagger-ui-dist/LICENSE
              ${PROJECT_SOURCE_DIR}/web/node_modules/swagger-ui-dist/NOTICE
        DESTINATION ${CMAKE_INSTALL_DATADIR}/parley/web/node_modules/swagger-ui-dist)

install(FILES ${PROJECT_SOURCE_DIR}/packaging/parley.toml DESTINATION /etc/parley)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/parley.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/operations.md
              ${PROJECT_SOURCE_DIR}/docs/openapi.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parley)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Parley maintainers <parley@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Contact-center chat server (GWS v2 chat API, CometD, supervision)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
