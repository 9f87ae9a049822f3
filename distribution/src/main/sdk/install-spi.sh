#!/bin/sh
# Installs the capfabric SPI of this SDK (jar, sources, Javadoc) into your local Maven repository
# (~/.m2/repository), so that a plugin project can depend on dev.capfabric:capfabric-spi:${project.version}.
# It is on no public repository. Extra arguments go to Maven (e.g. -Dmaven.repo.local=/elsewhere).
# The POM installed with it is a plain one (generatePom): the one inside the jar names capfabric's build
# parent, which is on no repository either, and a plugin project could not resolve the SPI through it.
# Needs a JDK 25 (JAVA_HOME or java on the PATH); Maven comes through example/mvnw.
set -eu
sdk=$(cd "$(dirname "$0")" && pwd -P)
exec "$sdk/example/mvnw" -q -f "$sdk/example/pom.xml" \
    org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file \
    -Dfile="$sdk/capfabric-spi-${project.version}.jar" \
    -Dsources="$sdk/capfabric-spi-${project.version}-sources.jar" \
    -Djavadoc="$sdk/capfabric-spi-${project.version}-javadoc.jar" \
    -DgroupId=dev.capfabric -DartifactId=capfabric-spi -Dversion=${project.version} -Dpackaging=jar \
    -DgeneratePom=true \
    "$@"
