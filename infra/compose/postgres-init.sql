-- One database per service: no service reads another's tables.
CREATE DATABASE jcp_gateway;
CREATE DATABASE jcp_oilfield;
CREATE DATABASE jcp_localgov;
CREATE DATABASE jcp_military;
CREATE DATABASE jcp_school;
