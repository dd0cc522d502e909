/* libcurl alone: the ceiling of any sender built on libcurl's SMTP, with no ledger, no rendering
 * and no signing. Two shapes: one easy handle per connection, each on a thread of its own,
 * connections reused (the way Gazette sends); or, with "multi", the same handles driven by one
 * thread through the multi interface. bench/smtp runs both beside smtp-source and Gazette.
 *
 * Usage: smtp-curl PORT MESSAGES BYTES CONNECTIONS [multi]    (prints msgs/s)
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *message;
static size_t message_length;
static char url[64];
static int messages, connections;

struct upload { size_t position; };

static size_t read_message(char *buffer, size_t size, size_t count, void *context) {
    struct upload *upload = context;
    size_t left = message_length - upload->position;
    size_t chunk = left < size * count ? left : size * count;
    memcpy(buffer, message + upload->position, chunk);
    upload->position += chunk;
    return chunk;
}

/* One connection's easy handle, reading the message through `upload`. */
static CURL *connection_handle(struct curl_slist *recipients, struct upload *upload) {
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        fprintf(stderr, "smtp-curl: out of memory\n");
        exit(1);
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<digest@news.example.org>");
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(curl, CURLOPT_READDATA, upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)message_length);
    curl_easy_setopt(curl, CURLOPT_PRIVATE, upload);
    return curl;
}

/* Connection `index` sends its share: MESSAGES split evenly, the remainder to the first ones. */
static void *send_all(void *index) {
    int share = messages / connections + ((intptr_t)index < messages % connections ? 1 : 0);
    struct curl_slist *recipients = curl_slist_append(NULL, "<reader@example.org>");
    if (recipients == NULL) {
        fprintf(stderr, "smtp-curl: out of memory\n");
        exit(1);
    }
    struct upload upload;
    CURL *curl = connection_handle(recipients, &upload);
    for (int i = 0; i < share; i++) {
        upload.position = 0;
        CURLcode code = curl_easy_perform(curl);
        if (code != CURLE_OK) {
            fprintf(stderr, "smtp-curl: %s\n", curl_easy_strerror(code));
            exit(1);
        }
    }
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    return NULL;
}

/* The multi shape: every connection's handle in one multi handle, on this thread; a handle that
 * finished a message is added again for the next one while messages are left. */
static void send_all_multi(void) {
    CURLM *multi = curl_multi_init();
    struct curl_slist *recipients = curl_slist_append(NULL, "<reader@example.org>");
    struct upload *uploads = calloc((size_t)connections, sizeof *uploads);
    CURL **handles = calloc((size_t)connections, sizeof *handles);
    if (multi == NULL || recipients == NULL || uploads == NULL || handles == NULL) {
        fprintf(stderr, "smtp-curl: out of memory\n");
        exit(1);
    }
    int started = 0, finished = 0;
    for (int i = 0; i < connections && started < messages; i++, started++) {
        handles[i] = connection_handle(recipients, &uploads[i]);
        curl_multi_add_handle(multi, handles[i]);
    }
    while (finished < messages) {
        int running, queued;
        curl_multi_perform(multi, &running);
        CURLMsg *done;
        while ((done = curl_multi_info_read(multi, &queued)) != NULL) {
            if (done->msg != CURLMSG_DONE) continue;
            if (done->data.result != CURLE_OK) {
                fprintf(stderr, "smtp-curl: %s\n", curl_easy_strerror(done->data.result));
                exit(1);
            }
            finished++;
            CURL *curl = done->easy_handle;
            struct upload *upload;
            curl_easy_getinfo(curl, CURLINFO_PRIVATE, (char **)&upload);
            curl_multi_remove_handle(multi, curl);
            if (started < messages) {
                started++;
                upload->position = 0;
                curl_multi_add_handle(multi, curl);
            }
        }
        if (finished < messages) curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    for (int i = 0; i < connections; i++) curl_easy_cleanup(handles[i]); /* NULL is allowed */
    curl_multi_cleanup(multi);
    curl_slist_free_all(recipients);
    free(handles);
    free(uploads);
}

int main(int argc, char **argv) {
    int multi = argc == 6 && strcmp(argv[5], "multi") == 0;
    if (argc != 5 && !multi) {
        fprintf(stderr, "usage: smtp-curl PORT MESSAGES BYTES CONNECTIONS [multi]\n");
        return 2;
    }
    int port = atoi(argv[1]), bytes = atoi(argv[3]);
    messages = atoi(argv[2]);
    connections = atoi(argv[4]);
    if (port <= 0 || messages <= 0 || bytes <= 0 || connections <= 0 || connections > 256) return 2;
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
    const char *headers = "From: digest@news.example.org\r\nTo: reader@example.org\r\nSubject: benchmark\r\n\r\n";
    const char *line = "All the news that fits, in seventy-two columns or fewer.\r\n";
    message = malloc((size_t)bytes + strlen(headers) + strlen(line));
    strcpy(message, headers);
    message_length = strlen(headers);
    while (message_length < (size_t)bytes) {
        memcpy(message + message_length, line, strlen(line));
        message_length += strlen(line);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_t threads[connections];
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (multi) {
        send_all_multi();
    } else {
        for (int i = 0; i < connections; i++) {
            if (pthread_create(&threads[i], NULL, send_all, (void *)(intptr_t)i) != 0) {
                fprintf(stderr, "smtp-curl: cannot start a thread\n");
                return 1;
            }
        }
        for (int i = 0; i < connections; i++) pthread_join(threads[i], NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.0f\n", messages / seconds);
    return 0;
}
