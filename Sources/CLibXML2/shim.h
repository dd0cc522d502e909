#ifndef GAZETTE_CLIBXML2_SHIM_H
#define GAZETTE_CLIBXML2_SHIM_H

// libxml2 is built with ICU here, and its encoding.h would pull in the system's ICU headers,
// which clash with the ICU copy that Foundation bundles. Gazette never touches libxml2's ICU
// converter fields, so hide them.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>
#include <libxml/entities.h>

// xmlFree is a global function pointer variable, which Swift 6 refuses to call.
static inline void gazette_xml_free(void *pointer) {
    xmlFree(pointer);
}

// An external-entity loader that refuses everything: no file://, no network.
static inline xmlParserInputPtr gazette_xml_refusing_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
    (void)url; (void)id; (void)ctxt;
    return NULL;
}

static inline void gazette_xml_install_refusing_loader(void) {
    xmlSetExternalEntityLoader(gazette_xml_refusing_loader);
}

#endif
