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
#include <libxml/parserInternals.h>
#include <string.h>

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

// Parses an HTML fragment as htmlReadMemory(buffer, size, NULL, "UTF-8", options) would, but
// hands the elements and text to `handler` (SAX1 callbacks) instead of building a tree: no node
// to allocate, walk and free. The callbacks get the parser context, with `user_data` in its
// _private field, so that they can stop the parse (xmlStopParser). The explicit UTF-8 also
// means a <meta charset> inside the fragment cannot switch the encoding mid-parse.
static inline void gazette_html_sax_parse(const char *buffer, int size, int options,
                                          const htmlSAXHandler *handler, void *user_data) {
    htmlParserCtxtPtr ctxt = htmlCreateMemoryParserCtxt(buffer, size);
    if (ctxt == NULL) return;
    if (ctxt->sax != NULL) memcpy(ctxt->sax, handler, sizeof(xmlSAXHandlerV1));
    ctxt->userData = ctxt;
    ctxt->_private = user_data;
    htmlCtxtUseOptions(ctxt, options);
    ctxt->html = 1;
    xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
    if (utf8 != NULL && ctxt->input != NULL) {
        xmlSwitchToEncoding(ctxt, utf8);
        if (ctxt->input->encoding != NULL) xmlFree((xmlChar *) ctxt->input->encoding);
        ctxt->input->encoding = xmlStrdup(BAD_CAST "UTF-8");
    }
    htmlParseDocument(ctxt);
    if (ctxt->myDoc != NULL) {
        xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = NULL;
    }
    htmlFreeParserCtxt(ctxt);
}

#endif
