/**
 * Helpers for writing providers, shared so that every plugin need not carry its own copy: plugins
 * share no code but this module. Nothing here is part of the contract between kernel and plugin.
 */
package dev.capfabric.spi.support;
