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
#include <pthread.h>

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

// Each thread keeps one HTML parser context and reuses it: a new context per fragment (its
// dictionary, its stacks, its SAX handler) cost about a tenth of the HTML parser's time on
// bench/parse's feeds (perf). The caller owns the thread-specific key (a header cannot hold one
// static for all its importers); its destructor, gazette_html_context_free, frees a thread's
// context when the thread ends.
static inline void gazette_html_context_free(void *context) {
    htmlFreeParserCtxt((htmlParserCtxtPtr) context);
}

// A context's dictionary keeps every name it has read: elements, attributes, entity references.
// Once it holds this many names, or its string pools this many bytes (an entity name is as long
// as the fragment allows, and libxml2 sizes a pool at four times the name), the context is freed
// after the parse, so that hostile names cannot grow it without bound.
#define GAZETTE_HTML_CONTEXT_MAX_NAMES 4096
#define GAZETTE_HTML_CONTEXT_MAX_NAME_BYTES (1 << 20)

static inline int gazette_html_context_is_spent(htmlParserCtxtPtr ctxt) {
    return ctxt->dict == NULL || xmlDictSize(ctxt->dict) > GAZETTE_HTML_CONTEXT_MAX_NAMES
        || xmlDictGetUsage(ctxt->dict) > GAZETTE_HTML_CONTEXT_MAX_NAME_BYTES;
}

// The bytes this thread's context's dictionary holds (0 without a context): for tests.
static inline size_t gazette_html_context_name_bytes(pthread_key_t contexts) {
    htmlParserCtxtPtr ctxt = (htmlParserCtxtPtr) pthread_getspecific(contexts);
    return ctxt == NULL || ctxt->dict == NULL ? 0 : xmlDictGetUsage(ctxt->dict);
}

// Parses an HTML fragment as htmlReadMemory(buffer, size, NULL, "UTF-8", options) would, but
// hands the elements and text to `handler` (SAX1 callbacks) instead of building a tree: no node
// to allocate, walk and free. The callbacks get the parser context, with `user_data` in its
// _private field, so that they can stop the parse (xmlStopParser). The explicit UTF-8 also
// means a <meta charset> inside the fragment cannot switch the encoding mid-parse. Not
// reentrant: a callback must not start another parse on the same thread. `options` must be the
// same on every call: htmlCtxtUseOptions adds to a reused context's options, never clears them.
static inline void gazette_html_sax_parse(pthread_key_t contexts, const char *buffer, int size, int options,
                                          const htmlSAXHandler *handler, void *user_data) {
    htmlParserCtxtPtr ctxt = (htmlParserCtxtPtr) pthread_getspecific(contexts);
    if (ctxt == NULL) {
        ctxt = htmlNewParserCtxt();
        pthread_setspecific(contexts, ctxt);
        if (ctxt == NULL) return;
    }
    if (ctxt->sax != NULL) memcpy(ctxt->sax, handler, sizeof(xmlSAXHandlerV1));
    ctxt->userData = ctxt;
    ctxt->_private = user_data;
    // Resets the context (also after a stop), copies the buffer into a new input, switches it
    // to UTF-8 and parses; with no startDocument callback, no document is built.
    htmlDocPtr document = htmlCtxtReadMemory(ctxt, buffer, size, NULL, "UTF-8", options);
    if (document != NULL) xmlFreeDoc(document);
    ctxt->_private = NULL;
    // Lets go of the input's copy of the fragment now rather than at the next parse, and of a
    // spent context: nothing a hostile fragment made it hold outlives the parse.
    htmlCtxtReset(ctxt);
    if (gazette_html_context_is_spent(ctxt)) {
        htmlFreeParserCtxt(ctxt);
        pthread_setspecific(contexts, NULL);
    }
}

#endif
